namespace LoraPipeline.Tests.Support;

/// <summary>Locates the repository root (the folder holding LoraPipeline.sln) from the test output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LoraPipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException($"LoraPipeline.sln not found above {AppContext.BaseDirectory}");
    }
}
