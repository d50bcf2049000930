namespace LoraPipeline.Benchmarking;

/// <summary>Resident-memory readings of this process from <c>/proc/self</c> (Linux). Elsewhere the readings are null.</summary>
internal static class ProcessMemory
{
    /// <summary>Current resident set size in bytes (<c>VmRSS</c>).</summary>
    public static long? ResidentBytes() => ReadStatus("VmRSS:");

    /// <summary>Peak resident set size in bytes since start or the last <see cref="ResetPeak"/> (<c>VmHWM</c>).</summary>
    public static long? PeakResidentBytes() => ReadStatus("VmHWM:");

    /// <summary>Resets the peak to the current resident size (writes 5 to <c>/proc/self/clear_refs</c>); false where unsupported.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static long? ReadStatus(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}
