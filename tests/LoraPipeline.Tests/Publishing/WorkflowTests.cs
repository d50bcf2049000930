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

    // The first major of each action whose action.yml says `runs.using: node24` (their release notes: checkout v5.0.0,
    // setup-dotnet v5.0.0, cache v5.0.0, upload-artifact v6.0.0 — upload-artifact v5 still ran on Node 20 by default).
    // GitHub's runners dropped Node 20 in 2026; an action not listed here must be checked and added before it is used.
    private static readonly Dictionary<string, int> FirstNode24Major = new()
    {
        ["actions/checkout"] = 5,
        ["actions/setup-dotnet"] = 5,
        ["actions/cache"] = 5,
        ["actions/upload-artifact"] = 6,
    };

    [GeneratedRegex("""^(?<action>[\w.-]+/[\w.-]+)@v(?<major>\d+)$""")]
    private static partial Regex MajorPin();

    private static IEnumerable<string> Uses(YamlMappingNode workflow) =>
        Steps(workflow).Where(s => s.Children.ContainsKey("uses")).Select(s => ((YamlScalarNode)s["uses"]).Value!);

    private static YamlMappingNode Job(YamlMappingNode workflow) =>
        ((YamlMappingNode)workflow["jobs"]).Children.Values.Cast<YamlMappingNode>().Single();

    [Test]
    public void EveryActionIsPinnedToAMajorThatRunsOnNode24()
    {
        foreach (var name in Workflows)
            foreach (var uses in Uses(Load(name)))
            {
                var pin = MajorPin().Match(uses);
                Assert.That(pin.Success, Is.True, $"{name}: `uses: {uses}` is not pinned to a major version (owner/name@vN)");
                var action = pin.Groups["action"].Value;
                Assert.That(FirstNode24Major.ContainsKey(action), Is.True,
                    $"{name}: {action} is not in {nameof(FirstNode24Major)}; check which of its majors runs on Node 24 and add it");
                Assert.That(int.Parse(pin.Groups["major"].Value), Is.GreaterThanOrEqualTo(FirstNode24Major[action]),
                    $"{name}: {uses} runs on Node 20, which GitHub's runners no longer have; use @v{FirstNode24Major[action]} or later");
            }
    }

    [Test]
    public void CiTokenIsReadOnly()
    {
        var permissions = (YamlMappingNode)Load("ci.yml")["permissions"];
        Assert.That(permissions.Children.Keys.Select(k => ((YamlScalarNode)k).Value), Is.EqualTo(new[] { "contents" }));
        Assert.That(((YamlScalarNode)permissions["contents"]).Value, Is.EqualTo("read"));
    }

    [Test]
    public void HuggingFaceCacheKeyNamesTheModelSource()
    {
        foreach (var (name, source) in new[] { ("ci.yml", "env.MODEL_SOURCE"), ("release.yml", "inputs.model") })
        {
            var workflow = Load(name);
            var cache = Steps(workflow).Single(s => s.Children.ContainsKey("with")
                && ((YamlMappingNode)s["with"]).Children.ContainsKey("path")
                && ((YamlScalarNode)((YamlMappingNode)s["with"])["path"]).Value == "${{ env.HF_HOME }}");
            var key = ((YamlScalarNode)((YamlMappingNode)cache["with"])["key"]).Value!;
            Assert.That(key, Does.Contain(source), $"{name}: the Hugging Face cache key must change with the model source");
            Assert.That(key, Does.Contain("hashFiles("), $"{name}: ... and with the config that may name it");
        }
        // The source in ci.yml's key is the one its Evaluate step runs.
        var ci = Load("ci.yml");
        var env = (YamlMappingNode)Job(ci)["env"];
        Assert.That(env.Children.ContainsKey("MODEL_SOURCE"), Is.True);
        var evaluate = Steps(ci).Single(s => s.Children.ContainsKey("run") && ((YamlScalarNode)s["run"]).Value!.Contains("--target=Evaluate"));
        Assert.That(((YamlScalarNode)evaluate["run"]).Value, Does.Contain("model.source=$MODEL_SOURCE"));
    }

    [Test]
    public void TestResultsReachTheJobSummary()
    {
        var csproj = File.ReadAllText(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "LoraPipeline.Tests.csproj"));
        Assert.That(csproj, Does.Contain("<PackageReference Include=\"GitHubActionsTestLogger\""));
        var testCake = File.ReadAllText(RepositoryPaths.Combine("build", "test.cake"));
        Assert.That(testCake, Does.Contain("\"GitHubActions\"").And.Contain("GITHUB_ACTIONS"));
        Assert.That(RunTargets(Load("ci.yml")), Does.Contain("Test"));
    }
}
