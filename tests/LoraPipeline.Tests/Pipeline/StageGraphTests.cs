using System.Text.RegularExpressions;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>The stage graph has one source (each stage's <see cref="IStage.Upstream"/>); the catalog and Cake follow it.</summary>
public class StageGraphTests
{
    [Test]
    public void CatalogNamesAreTheStagesOwnNames()
    {
        foreach (var entry in StageCatalog.All)
            Assert.That(entry.Create().Name, Is.EqualTo(entry.Name), $"catalog entry {entry.Name}");
    }

    [Test]
    public void CatalogIsInDependencyOrder()
    {
        var seen = new HashSet<string>();
        foreach (var entry in StageCatalog.All)
        {
            Assert.That(entry.Upstream.Where(u => !seen.Contains(u)), Is.Empty, $"{entry.Name} is listed before one of its upstream stages");
            seen.Add(entry.Name);
        }
    }

    [Test]
    public void BuildCakeEdgesEqualTheStagesUpstream()
    {
        var edges = CakeEdges(File.ReadAllText(RepositoryPaths.Combine("build", "build.cake")));
        var stageTargets = StageCatalog.All.Select(e => e.Target).ToHashSet();
        foreach (var entry in StageCatalog.All)
        {
            Assert.That(edges.ContainsKey(entry.Target), Is.True, $"build.cake has no Task(\"{entry.Target}\")");
            var cakeUpstream = edges[entry.Target].Where(stageTargets.Contains).Order();
            var stageUpstream = entry.Upstream.Select(u => StageCatalog.Get(u).Target).Order();
            Assert.That(cakeUpstream, Is.EqualTo(stageUpstream), $"build.cake Task(\"{entry.Target}\") IsDependentOn edges");
        }
    }

    // Task("X") ... IsDependentOn("Y") ... up to the next Task(: the edges of every Cake task.
    private static Dictionary<string, List<string>> CakeEdges(string script)
    {
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var tasks = Regex.Matches(script, @"Task\(""(?<name>[^""]+)""\)");
        for (var i = 0; i < tasks.Count; i++)
        {
            var end = i + 1 < tasks.Count ? tasks[i + 1].Index : script.Length;
            var body = script[tasks[i].Index..end];
            edges[tasks[i].Groups["name"].Value] = Regex.Matches(body, @"IsDependentOn\(""(?<up>[^""]+)""\)")
                .Select(m => m.Groups["up"].Value).ToList();
        }
        return edges;
    }
}
