using System.Security.Cryptography;
using System.Text;

namespace LoraPipeline.Pipeline;

/// <summary>SHA-256 helpers, lower-case hex.</summary>
internal static class FileHashing
{
    /// <summary>SHA-256 of a file's content.</summary>
    public static string Sha256File(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of a UTF-8 string.</summary>
    public static string Sha256Text(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
