using System.Security.Cryptography;
using System.Text;

namespace LoraPipeline.Hub;

/// <summary>Hashes used to verify downloads: git's blob sha1 (plain files) and SHA-256 (LFS files), lower-case hex.</summary>
internal static class GitBlobHash
{
    /// <summary><c>sha1("blob {size}\0" + content)</c>, the git oid of a file.</summary>
    public static string Sha1OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0) sha1.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>The git oid of in-memory content.</summary>
    public static string Sha1Of(ReadOnlySpan<byte> content)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {content.Length}\0"));
        sha1.AppendData(content);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }
}
