namespace LoraPipeline.Hub;

/// <summary>Free-space checks and disk-full errors that say how much was needed and where.</summary>
internal static class DiskSpace
{
    /// <summary>Free bytes on the file system holding <paramref name="path"/> (which must exist), or null when unknown.</summary>
    public static long? Free(string path)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>ENOSPC on Unix (errno 28 is .NET's HResult there); ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 112 or 39 : e.HResult == 28;

    public static HubException Full(HubTarget target, long needed, string folder, Exception? inner = null, long? free = null, long? fileSize = null)
    {
        Directory.CreateDirectory(folder);
        free ??= Free(folder);
        return new HubException(HubErrorKind.DiskFull,
            $"{target}: disk full: " + (fileSize is { } size ? $"the file is {Bytes(size)}, " : "") + $"{Bytes(needed)} still needed in {folder}" +
            (free is { } f ? $", {Bytes(f)} free there" : "") +
            ". Free some space or point HF_HOME (or HF_HUB_CACHE) at a larger disk; partial downloads are kept and resume.", inner);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB ({bytes} bytes)",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB ({bytes} bytes)",
        _ => $"{bytes} bytes",
    };
}
