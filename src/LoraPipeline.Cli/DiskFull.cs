namespace LoraPipeline.Cli;

/// <summary>Recognises "no space left on the device" and says it the same way for every command.</summary>
internal static class DiskFull
{
    // ENOSPC on Linux and macOS (.NET keeps the errno as the HResult), ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.
    private static readonly int[] Codes = [28, unchecked((int)0x80070070), unchecked((int)0x80070027), 0x70, 0x27];

    /// <summary>Whether <paramref name="e"/> (or what it wraps) reports a full disk.</summary>
    public static bool Is(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is IOException io && (Codes.Contains(io.HResult) || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
                return true;
        return false;
    }

    /// <summary>One line: what happened, where, and that nothing partial was kept (outputs are written to temporary names first).</summary>
    public static string Message(Exception e)
    {
        var io = e;
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is IOException) io = x;
        return $"disk full: {io.Message.ReplaceLineEndings(" ").Trim()}; free space on that file system (or write elsewhere) and run again; nothing partial was kept";
    }
}
