using System.Text.RegularExpressions;

namespace LoraPipeline.Hub;

/// <summary>Validation of every name that comes from the user or the Hub before it becomes part of a local path.</summary>
internal static partial class HubNames
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^([0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex EtagPattern();

    /// <summary><c>org/name</c> or <c>name</c> with the Hub's characters; no <c>--</c> or <c>..</c>, which the Hub also forbids.</summary>
    public static bool IsValidRepoId(string repoId) =>
        RepoIdPattern().IsMatch(repoId) && !repoId.Contains("--", StringComparison.Ordinal) && !repoId.Contains("..", StringComparison.Ordinal);

    /// <summary>A full 40-character lower-case commit sha.</summary>
    public static bool IsCommitSha(string revision) => CommitPattern().IsMatch(revision);

    /// <summary>A git oid (40 hex) or a SHA-256 (64 hex): the only blob names written.</summary>
    public static bool IsEtag(string etag) => EtagPattern().IsMatch(etag);

    /// <summary><c>models--org--name</c>, as <c>huggingface_hub</c> names the folder.</summary>
    public static string CacheFolderName(string repoId) => "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>A revision that is safe as a relative path under <c>refs/</c> (branches may contain <c>/</c>).</summary>
    public static bool IsSafeRevision(string revision) => IsSafeRelativePath(revision);

    /// <summary>
    /// A repository file path that stays inside the snapshot folder: forward slashes only, not absolute, no empty,
    /// <c>.</c> or <c>..</c> segments, no backslashes or control characters.
    /// </summary>
    public static bool IsSafeRelativePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024) return false;
        if (path.Contains('\\') || path.Any(char.IsControl)) return false;
        if (path.StartsWith('/') || Path.IsPathRooted(path)) return false;
        foreach (var segment in path.Split('/'))
            if (segment.Length == 0 || segment == "." || segment == "..") return false;
        return true;
    }
}
