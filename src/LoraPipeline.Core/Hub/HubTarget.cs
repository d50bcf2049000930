namespace LoraPipeline.Hub;

/// <summary>What a request is about, for error messages: repository, revision and optionally one file.</summary>
internal sealed record HubTarget(string Endpoint, string RepoId, string Revision, string? File = null)
{
    public HubTarget ForFile(string sha, string file) => this with { Revision = sha, File = file };

    public override string ToString() => File is null ? $"{RepoId}@{Revision}" : $"{RepoId}@{Revision}: {File}";
}
