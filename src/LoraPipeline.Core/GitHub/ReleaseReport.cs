namespace LoraPipeline.GitHub;

/// <summary>The <c>report.json</c> of an earlier release, as fetched for <c>eval.baseline: release:TAG</c>.</summary>
/// <param name="Tag">The release's tag (for <c>release:latest</c>, the tag it resolved to).</param>
/// <param name="Repository"><c>owner/name</c>.</param>
/// <param name="Source">Where the bytes came from, for messages and the report (the standalone asset, or the entry of the zip).</param>
/// <param name="Content">The file's bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Content"/>.</param>
internal sealed record ReleaseReport(string Tag, string Repository, string Source, byte[] Content, string Sha256)
{
    /// <summary>One line naming the release, the source and the SHA-256, recorded with the gate's baseline checks.</summary>
    public string Describe() => $"release {Tag} of {Repository}, {Source}, sha256 {Sha256}";
}
