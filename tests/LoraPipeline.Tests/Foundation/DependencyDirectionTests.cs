using System.Text.RegularExpressions;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Foundation;

/// <summary>Issue 12 point 5: the core's folders depend on each other in one direction only (checked on the source).</summary>
public class DependencyDirectionTests
{
    [TestCase("Data", "Evaluation")]
    [TestCase("Evaluation", "Publishing")]
    [TestCase("Checkpoints", "Hub")]
    [TestCase("GitHub", "Publishing")]
    [TestCase("GitHub", "Evaluation")]
    public void FolderDoesNotUse(string folder, string forbidden)
    {
        var root = RepositoryPaths.Combine("src", "LoraPipeline.Core", folder);
        var pattern = new Regex($@"using (LoraPipeline\.)?{Regex.Escape(forbidden)};|(?<![\w.]){Regex.Escape(forbidden)}\.[A-Z]|LoraPipeline\.{Regex.Escape(forbidden)}\b");
        var offenders = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => pattern.IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();
        Assert.That(offenders, Is.Empty, $"files in Core/{folder}/ that use {forbidden}");
    }
}
