using System.Security.Cryptography;
using System.Text;

namespace LoraPipeline.Tests.Support;

/// <summary>One file of a <see cref="FakeHubRepo"/>: content plus the hashes the real Hub reports.</summary>
public sealed class FakeHubFile(string path, byte[] content, bool lfs)
{
    public string Path { get; } = path;
    public byte[] Content { get; } = content;
    public bool Lfs { get; } = lfs;

    /// <summary>SHA-256 of the content (the LFS oid, and the etag of LFS files).</summary>
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>git blob sha1: sha1("blob {size}\0" + content).</summary>
    public string GitOid { get; } = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    /// <summary>The name huggingface_hub gives the blob in the cache.</summary>
    public string Etag => Lfs ? Sha256 : GitOid;
}

/// <summary>A model repository served by <see cref="FakeHub"/>: one commit, named by branches and tags.</summary>
public sealed class FakeHubRepo(string repoId)
{
    private readonly Dictionary<string, FakeHubFile> _files = new(StringComparer.Ordinal);

    public string RepoId { get; } = repoId;

    /// <summary>The commit sha (random, 40 hex).</summary>
    public string Sha { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>Branch and tag names that point at <see cref="Sha"/>.</summary>
    public HashSet<string> Refs { get; } = new(StringComparer.Ordinal) { "main" };

    /// <summary>When set, every request for this repo must carry <c>Authorization: Bearer {token}</c>, else 401 (gated model).</summary>
    public string? RequiredToken { get; set; }

    public IReadOnlyDictionary<string, FakeHubFile> Files => _files;

    public FakeHubFile this[string path] => _files[path];

    /// <summary>Adds a file; LFS by default for weights (as on the real Hub), plain git otherwise. Any path is accepted, even hostile ones.</summary>
    public FakeHubFile AddFile(string path, byte[] content, bool? lfs = null)
    {
        var file = new FakeHubFile(path, content, lfs ?? IsLfsByDefault(path));
        _files[path] = file;
        return file;
    }

    public FakeHubFile AddText(string path, string text) => AddFile(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Removes a file from the repository (a repo that lacks an optional file).</summary>
    public bool RemoveFile(string path) => _files.Remove(path);

    /// <summary>Resolves a branch, tag or the sha itself; null when unknown.</summary>
    public string? Resolve(string revision) => revision == Sha || Refs.Contains(revision) ? Sha : null;

    private static bool IsLfsByDefault(string path) =>
        new[] { ".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".gguf", ".model" }
            .Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
