using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LoraPipeline.Data;

/// <summary>The three splits.</summary>
internal enum Split
{
    /// <summary>Training.</summary>
    Train,
    /// <summary>Validation during training.</summary>
    Valid,
    /// <summary>Held-out evaluation.</summary>
    Test,
}

/// <summary>
/// Assigns a split from a SHA-256 hash of the example's group id: the same on every run and machine,
/// independent of file order, and paraphrases (one group) never straddle splits.
/// </summary>
internal static class SplitAssigner
{
    /// <summary>The split of a group.</summary>
    public static Split Assign(string group, double trainRatio, double validRatio)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(group));
        var unit = BinaryPrimitives.ReadUInt64BigEndian(hash) / (double)ulong.MaxValue;
        if (unit < trainRatio) return Split.Train;
        return unit < trainRatio + validRatio ? Split.Valid : Split.Test;
    }
}
