using System.Globalization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Sizing;

/// <summary>Formats byte counts and parameter counts for tables.</summary>
internal static class MemoryText
{
    /// <summary>Bytes in GiB with one decimal (<c>12.3 GiB</c>), or MiB below 1 GiB.</summary>
    public static string Bytes(long bytes) => bytes >= 1L << 30
        ? string.Format(CultureInfo.InvariantCulture, "{0:0.0} GiB", bytes / (double)(1L << 30))
        : string.Format(CultureInfo.InvariantCulture, "{0:0.0} MiB", bytes / (double)(1L << 20));

    /// <summary>A parameter count in billions or millions (<c>8.03 B</c>, <c>3.4 M</c>).</summary>
    public static string Parameters(long count) => count >= 1_000_000_000
        ? string.Format(CultureInfo.InvariantCulture, "{0:0.00} B", count / 1e9)
        : string.Format(CultureInfo.InvariantCulture, "{0:0.0} M", count / 1e6);

    /// <summary>A device count answer: the count, or "&gt;8" (GPUs) / "no" (this machine's RAM) when none fits.</summary>
    public static string Count(int? count, bool isGpu = true) => count?.ToString(CultureInfo.InvariantCulture) ?? (isGpu ? ">8" : "no");

    /// <summary>A recomputation mode as the config writes it (<c>none</c>, <c>selective</c>, <c>full</c>), or "no" for none that fits.</summary>
    public static string Mode(ActivationCheckpointing? mode) => mode is { } m ? ConfigNaming.EnumName(m) : "no";

    /// <summary>A layer placement answer: <c>4 (19/21/21/19 layers)</c>, <c>&gt;8</c>, or <c>-</c> off GPUs.</summary>
    public static string Placement(DeviceAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!answer.IsGpu) return "-";
        return answer.PlacedLayers is { } layers ? $"{layers.Count} ({string.Join("/", layers)} layers)" : ">8";
    }
}
