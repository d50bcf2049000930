using System.Globalization;
using System.Text;

namespace LoraPipeline.Publishing;

/// <summary>
/// The machine-readable block at the end of a release's notes (an HTML comment, invisible on GitHub): the adapter's SHA-256, which
/// identifies the release's content, and each asset's SHA-256 and size as uploaded. A re-run compares its files against it.
/// </summary>
/// <param name="AdapterSha256">SHA-256 of <c>adapter_model.safetensors</c>.</param>
/// <param name="Assets">Asset name → (SHA-256, size).</param>
internal sealed record ReleaseManifest(string AdapterSha256, IReadOnlyDictionary<string, (string Sha256, long Size)> Assets)
{
    private const string Open = "<!-- lora-pipeline:release";
    private const string Close = "-->";

    /// <summary>The manifest of the given local assets.</summary>
    public static ReleaseManifest Of(string adapterSha256, IEnumerable<ReleaseAssetFile> assets) =>
        new(adapterSha256, assets.ToDictionary(a => a.Name, a => (a.Sha256, a.Size), StringComparer.Ordinal));

    /// <summary>Renders the block.</summary>
    public string Render()
    {
        var text = new StringBuilder(Open).Append('\n')
            .Append("adapter_sha256 ").Append(AdapterSha256).Append('\n');
        foreach (var (name, (sha, size)) in Assets.OrderBy(a => a.Key, StringComparer.Ordinal))
            text.Append("asset ").Append(sha).Append(' ').Append(size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(name).Append('\n');
        return text.Append(Close).Append('\n').ToString();
    }

    /// <summary>Finds and parses the block in release notes; null when the notes hold none (a release not made by LoraPipeline).</summary>
    public static ReleaseManifest? Parse(string? body)
    {
        if (body is null) return null;
        var start = body.LastIndexOf(Open, StringComparison.Ordinal);
        if (start < 0) return null;
        var end = body.IndexOf(Close, start, StringComparison.Ordinal);
        if (end < 0) return null;
        string? adapter = null;
        var assets = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        foreach (var raw in body[(start + Open.Length)..end].Split('\n'))
        {
            var line = raw.Trim();
            var parts = line.Split(' ', 4);
            if (parts is ["adapter_sha256", var sha]) adapter = sha;
            else if (parts.Length == 4 && parts[0] == "asset" && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                assets[parts[3]] = (parts[1], size);
        }
        return adapter is null ? null : new ReleaseManifest(adapter, assets);
    }
}
