using System.Text;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary><c>SHA256SUMS</c> in the format of GNU <c>sha256sum</c> (<c>&lt;hex&gt;  &lt;name&gt;</c>, binary-agnostic two spaces),
/// so <c>sha256sum -c SHA256SUMS</c> verifies a package.</summary>
internal static class Sha256Sums
{
    /// <summary>Renders lines for <paramref name="files"/> (relative name → lower-case hex SHA-256), sorted by name.</summary>
    public static string Render(IEnumerable<KeyValuePair<string, string>> files)
    {
        var text = new StringBuilder();
        foreach (var (name, sha) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            text.Append(sha).Append("  ").Append(name).Append('\n');
        return text.ToString();
    }

    /// <summary>Hashes each file of <paramref name="directory"/> named in <paramref name="names"/> and renders the lines.</summary>
    public static string Compute(string directory, IEnumerable<string> names) =>
        Render(names.Select(n => KeyValuePair.Create(n, FileHashing.Sha256File(Path.Combine(directory, n)))));

    /// <summary>Parses <c>sha256sum</c> lines (text or binary mode marker) into name → hash.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            var space = line.IndexOf(' ');
            if (space != 64 || line.Length < 67)
                throw new FormatException($"not a sha256sum line: '{line}'");
            result[line[66..]] = line[..64].ToLowerInvariant();
        }
        return result;
    }

    /// <summary>Names of the files listed in <paramref name="sums"/> that are missing under <paramref name="directory"/> or differ from their hash.</summary>
    public static IReadOnlyList<string> Verify(string directory, IReadOnlyDictionary<string, string> sums) =>
        sums.Where(p =>
            {
                var path = Path.Combine(directory, p.Key);
                return !File.Exists(path) || FileHashing.Sha256File(path) != p.Value;
            })
            .Select(p => p.Key)
            .ToList();
}
