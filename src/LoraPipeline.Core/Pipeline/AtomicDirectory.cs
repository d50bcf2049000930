namespace LoraPipeline.Pipeline;

/// <summary>
/// Fills a folder under a temporary sibling name and then renames it into place, so readers never see a
/// half-written folder under the final name. An existing folder is replaced (moved aside, then deleted).
/// Temporary names carry the writer's process id, so leftovers of a killed writer (a full checkpoint's worth of
/// disk) are removed by the next write to the same path.
/// </summary>
internal static class AtomicDirectory
{
    /// <summary>Runs <paramref name="fill"/> with an empty temporary folder, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path}: cannot write a file system root", nameof(path));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        RemoveLeftovers(parent, name);
        var temp = Path.Combine(parent, $".{name}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            if (Directory.Exists(full))
            {
                var old = Path.Combine(parent, $".{name}.{Environment.ProcessId}-{Guid.NewGuid():N}.old");
                Directory.Move(full, old);
                Directory.Move(temp, full);
                TryDelete(old);
            }
            else
            {
                Directory.Move(temp, full);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    // ".NAME.PID-GUID.tmp|old" of a process that is gone. Names without a process id (older versions) are left alone:
    // nothing tells whether their writer still runs.
    private static void RemoveLeftovers(string parent, string name)
    {
        foreach (var candidate in Directory.EnumerateDirectories(parent, $".{name}.*"))
        {
            var suffix = Path.GetFileName(candidate)[(name.Length + 2)..];
            var dash = suffix.IndexOf('-');
            if (dash <= 0 || !(suffix.EndsWith(".tmp", StringComparison.Ordinal) || suffix.EndsWith(".old", StringComparison.Ordinal))) continue;
            if (!int.TryParse(suffix[..dash], out var pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            TryDelete(candidate);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
