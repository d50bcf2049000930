using System.Globalization;
using System.Text.RegularExpressions;

namespace LoraPipeline.Checkpoints;

/// <summary>Parses sizes such as <c>2GB</c>, <c>500MB</c>, <c>1.5GiB</c> (decimal units for KB/MB/GB as the Hugging Face tools use, binary for KiB/MiB/GiB).</summary>
internal static partial class ByteSize
{
    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B|B)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    /// <summary>Parses a size; throws <see cref="FormatException"/> naming the text.</summary>
    public static long Parse(string text)
    {
        var match = Pattern().Match(text);
        if (!match.Success) throw new FormatException($"'{text}' is not a size; write e.g. 2GB, 500MB or 1GiB");
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Success ? match.Groups[2].Value.ToUpperInvariant() : "B";
        var factor = unit switch
        {
            "B" => 1d,
            "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12,
            "KIB" => 1024d, "MIB" => 1024d * 1024, "GIB" => 1024d * 1024 * 1024, "TIB" => 1024d * 1024 * 1024 * 1024,
            _ => throw new FormatException($"'{text}': unknown unit {unit}"),
        };
        var bytes = number * factor;
        if (bytes < 1 || bytes > long.MaxValue) throw new FormatException($"'{text}' is out of range");
        return (long)bytes;
    }
}
