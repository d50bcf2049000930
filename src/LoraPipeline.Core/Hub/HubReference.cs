namespace LoraPipeline.Hub;

/// <summary>A model on the Hub: <c>hf:org/name[@revision]</c>, revision defaulting to <c>main</c>.</summary>
/// <param name="RepoId">Repository id, <c>org/name</c> (or a legacy single <c>name</c>).</param>
/// <param name="Revision">Branch, tag or commit sha.</param>
internal sealed record HubReference(string RepoId, string Revision)
{
    /// <summary>The source prefix.</summary>
    public const string Prefix = "hf:";

    /// <summary>The default revision.</summary>
    public const string DefaultRevision = "main";

    /// <summary>True when <paramref name="source"/> starts with <c>hf:</c>.</summary>
    public static bool IsHubSource(string source) => source.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>hf:org/name[@revision]</c>; an explicit <paramref name="revision"/> overrides the one in the source.</summary>
    /// <exception cref="ArgumentException">Not an <c>hf:</c> source, or an invalid repository id or revision.</exception>
    public static HubReference Parse(string source, string? revision = null)
    {
        if (!IsHubSource(source))
            throw new ArgumentException($"'{source}' is not a Hub source (expected hf:org/name[@revision])", nameof(source));
        var body = source[Prefix.Length..];
        var at = body.IndexOf('@');
        var repo = at < 0 ? body : body[..at];
        var rev = revision ?? (at < 0 ? DefaultRevision : body[(at + 1)..]);
        if (!HubNames.IsValidRepoId(repo))
            throw new ArgumentException($"'{source}': '{repo}' is not a valid Hub repository id (org/name)", nameof(source));
        if (!HubNames.IsSafeRevision(rev))
            throw new ArgumentException($"'{source}': '{rev}' is not a valid revision", nameof(source));
        return new HubReference(repo, rev);
    }

    /// <summary>The <c>hf:</c> form.</summary>
    public override string ToString() => $"{Prefix}{RepoId}@{Revision}";
}
