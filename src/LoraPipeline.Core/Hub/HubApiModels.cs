using System.Text.Json.Serialization;

namespace LoraPipeline.Hub;

/// <summary><c>GET /api/models/{repo}/revision/{revision}</c>: the commit the revision points at, and the file names.</summary>
internal sealed record HubRevisionInfo(
    [property: JsonPropertyName("sha")] string? Sha,
    [property: JsonPropertyName("siblings")] IReadOnlyList<HubSibling>? Siblings);

/// <summary>One file name of <see cref="HubRevisionInfo"/>.</summary>
internal sealed record HubSibling([property: JsonPropertyName("rfilename")] string? RFilename);

/// <summary>One entry of <c>GET /api/models/{repo}/tree/{sha}?recursive=true</c>.</summary>
internal sealed record HubTreeEntry(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("oid")] string? Oid,
    [property: JsonPropertyName("lfs")] HubLfsInfo? Lfs);

/// <summary>The LFS pointer of a large file: its SHA-256 and size.</summary>
internal sealed record HubLfsInfo(
    [property: JsonPropertyName("oid")] string? Oid,
    [property: JsonPropertyName("size")] long Size);

/// <summary>A file to fetch: repository path, blob name (SHA-256 for LFS files, git oid otherwise) and size.</summary>
internal sealed record HubFile(string Path, string Etag, long Size, bool IsLfs);
