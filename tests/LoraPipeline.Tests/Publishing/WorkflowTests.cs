using System.Text.RegularExpressions;
using LoraPipeline.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Tests.Publishing;

/// <summary>The GitHub Actions workflows: parsed with YamlDotNet and checked against the Cake task graph.</summary>
public partial class WorkflowTests
{
    private static readonly string[] Workflows = ["ci.yml", "release.yml"];

    [GeneratedRegex("""Task\("([A-Za-z]+)"\)""")]
    private static partial Regex CakeTask();

    [GeneratedRegex("""build\.(?:sh|ps1)\b[^\n]*?(?:--target[= ]|-t[= ])["']?([A-Za-z]+)""")]
    private static partial Regex BuildTarget();

    private static HashSet<string> CakeTargets() =>
        CakeTask().Matches(File.ReadAllText(RepositoryPaths.Combine("build", "build.cake"))).Select(m => m.Groups[1].Value).ToHashSet();

    private static YamlMappingNode Load(string name)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(RepositoryPaths.Combine(".github", "workflows", name));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode workflow) =>
        ((YamlMappingNode)workflow["jobs"]).Children.Values.Cast<YamlMappingNode>()
            .SelectMany(job => ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>());

    private static List<string> RunTargets(YamlMappingNode workflow) =>
        Steps(workflow)
            .Where(step => step.Children.ContainsKey("run"))
            .SelectMany(step => BuildTarget().Matches(((YamlScalarNode)step["run"]).Value!).Select(m => m.Groups[1].Value))
            .ToList();

    [Test]
    public void EveryBuildTargetTheWorkflowsRunIsACakeTarget()
    {
        var targets = CakeTargets();
        Assert.That(targets, Is.SupersetOf(new[] { "Test", "Evaluate", "Publish" }));
        foreach (var name in Workflows)
        {
            var used = RunTargets(Load(name));
            Assert.That(used, Is.Not.Empty, $"{name} runs build.sh");
            foreach (var target in used)
                Assert.That(targets, Does.Contain(target), $"{name} runs build.sh --target={target}, which build/build.cake does not define");
        }
    }

    [Test]
    public void CiTestsEvaluatesAndUploadsTheReport()
    {
        var ci = Load("ci.yml");
        Assert.That(RunTargets(ci), Is.SupersetOf(new[] { "Test", "Evaluate" }));
        var on = (YamlMappingNode)ci["on"];
        Assert.That(on.Children.Keys.Select(k => ((YamlScalarNode)k).Value), Is.SupersetOf(new[] { "push", "pull_request" }));
        var uses = Steps(ci).Where(s => s.Children.ContainsKey("uses")).Select(s => ((YamlScalarNode)s["uses"]).Value!).ToList();
        Assert.That(uses, Has.Some.StartsWith("actions/setup-dotnet"));
        Assert.That(uses.Count(u => u.StartsWith("actions/cache")), Is.GreaterThanOrEqualTo(2), "NuGet and Hugging Face caches");
        var uploads = Steps(ci).Where(s => s.Children.ContainsKey("uses") && ((YamlScalarNode)s["uses"]).Value!.StartsWith("actions/upload-artifact"));
        Assert.That(uploads.Select(s => ((YamlScalarNode)((YamlMappingNode)s["with"])["path"]).Value), Has.Some.Contains("evaluate/report"));
    }

    [Test]
    public void ReleaseRunsPublishOnAdapterTagsOrByHandWithWritePermission()
    {
        var release = Load("release.yml");
        Assert.That(RunTargets(release), Does.Contain("Publish"));
        var on = (YamlMappingNode)release["on"];
        var tags = (YamlSequenceNode)((YamlMappingNode)on["push"])["tags"];
        Assert.That(tags.Children.Select(t => ((YamlScalarNode)t).Value), Does.Contain("adapter-v*"));
        var inputs = (YamlMappingNode)((YamlMappingNode)on["workflow_dispatch"])["inputs"];
        Assert.That(inputs.Children.Keys.Select(k => ((YamlScalarNode)k).Value), Is.SupersetOf(new[] { "config", "model" }));
        var permissions = (YamlMappingNode)release["permissions"];
        Assert.That(((YamlScalarNode)permissions["contents"]).Value, Is.EqualTo("write"));
        var text = File.ReadAllText(RepositoryPaths.Combine(".github", "workflows", "release.yml"));
        Assert.That(text, Does.Contain("GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}"));
    }
}
