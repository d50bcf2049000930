using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>One file to attach to a release.</summary>
/// <param name="Name">Asset name on the release.</param>
/// <param name="Path">Local file.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
/// <param name="ContentType">MIME type sent with the upload.</param>
internal sealed record ReleaseAssetFile(string Name, string Path, long Size, string Sha256, string ContentType)
{
    /// <summary>Describes a local file (size and SHA-256 read now).</summary>
    public static ReleaseAssetFile From(string name, string path, string contentType) =>
        new(name, path, new FileInfo(path).Length, FileHashing.Sha256File(path), contentType);
}
