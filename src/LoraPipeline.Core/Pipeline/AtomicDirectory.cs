namespace LoraPipeline.Pipeline;

/// <summary>
/// Fills a folder under a temporary sibling name and then renames it into place, so readers never see a
/// half-written folder under the final name. An existing folder is replaced (moved aside, then deleted).
/// </summary>
public static class AtomicDirectory
{
    /// <summary>Runs <paramref name="fill"/> with an empty temporary folder, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path}: cannot write a file system root", nameof(path));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        var temp = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            if (Directory.Exists(full))
            {
                var old = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
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

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
