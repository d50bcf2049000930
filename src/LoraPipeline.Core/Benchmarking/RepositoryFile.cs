namespace LoraPipeline.Benchmarking;

/// <summary>Finds a file of this repository (a script, the default config) above the current folder or the binaries.</summary>
internal static class RepositoryFile
{
    /// <summary>The first <paramref name="relativePath"/> found walking up from the current folder, then from the app's folder.</summary>
    public static string? FindAbove(string relativePath)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}
