using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Hub;

/// <summary><c>lora download SOURCE</c> as a real child process against the fake hub.</summary>
[Category("Integration")]
public sealed class HubDownloadCliTests : HubTestBase
{
    private Dictionary<string, string?> Environment(string? token = null) => new()
    {
        ["HF_ENDPOINT"] = Hub.Endpoint,
        ["HF_HOME"] = Temp.Combine("hf-home"),
        ["HF_TOKEN"] = token,
        ["HF_HUB_OFFLINE"] = null,
        ["HF_HUB_CACHE"] = null,
    };

    [Test]
    public void HfSource_PrintsTheSnapshotFolderLast_AndOutCopiesTheFiles()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/cli");
        repo.RequiredToken = Secret;
        var output = Temp.Combine("out");

        var result = LoraProcess.Run(Temp.Path, Environment(Secret), "download", "hf:acme/cli@main", "--out", output);

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines[^1], Is.EqualTo(output), "download --out D prints D (issue 19 finding 12)");
        Assert.That(Directory.Exists(Path.Combine(RepoFolder("acme/cli"), "snapshots", repo.Sha)), Is.True, "the cache is filled too");
        foreach (var file in FakeHubModels.ExpectedDownload)
        {
            var copy = new FileInfo(Path.Combine(output, file));
            Assert.That(copy.LinkTarget, Is.Null, $"{file} is a real copy");
            Assert.That(File.ReadAllBytes(copy.FullName), Is.EqualTo(repo[file].Content), file);
        }
        Assert.That(result.Output, Does.Not.Contain(Secret));
    }

    [Test]
    public void RevisionOption_AndErrors_GoToStderrWithExitCodes()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/cli2");
        repo.Refs.Add("v2");
        var ok = LoraProcess.Run(Temp.Path, Environment(), "download", "hf:acme/cli2", "--revision", "v2");
        Assert.That(ok.ExitCode, Is.Zero, ok.Output);
        Assert.That(File.ReadAllText(Path.Combine(RepoFolder("acme/cli2"), "refs", "v2")), Is.EqualTo(repo.Sha));

        var missing = LoraProcess.Run(Temp.Path, Environment(), "download", "hf:acme/cli2@nope");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.StdErr, Does.Contain("acme/cli2").And.Contain("nope").And.Contain("404"));

    }

    [Test]
    public void BuiltinAndLocalSourcesPrintTheirFolder()
    {
        var target = Path.Combine(Temp.Path, "tiny");
        var builtin = LoraProcess.Run(Temp.Path, Environment(), "download", "builtin:tiny-llama", "--out", target);
        Assert.That(builtin.ExitCode, Is.Zero, builtin.Output);
        Assert.That(builtin.StdOut.Trim().Split('\n')[^1], Is.EqualTo(target));
        Assert.That(File.Exists(Path.Combine(target, "model.safetensors")) && File.Exists(Path.Combine(target, "tokenizer.json")));

        var local = LoraProcess.Run(Temp.Path, Environment(), "download", "tiny");
        Assert.That(local.ExitCode, Is.Zero, local.Output);
        Assert.That(local.StdOut.Trim().Split('\n')[^1], Is.EqualTo(target));

        var missing = LoraProcess.Run(Temp.Path, Environment(), "download", "no-such-folder");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.StdErr, Does.Contain("no-such-folder").And.Contain("does not exist"));
    }
}

/// <summary>The config-driven Download and Convert stages with an <c>hf:</c> source against the fake hub.</summary>
public sealed class HubStageTests : HubTestBase
{
    // The CLI against the fake hub with its own cache, no token and online.
    private Dictionary<string, string?> StageEnvironment() => new()
    {
        ["HF_ENDPOINT"] = Hub.Endpoint, ["HF_HOME"] = Temp.Combine("hf-home"), ["HF_TOKEN"] = null, ["HF_HUB_OFFLINE"] = null, ["HF_HUB_CACHE"] = null,
    };

    [Test]
    public void ShardedBf16ModelDownloadsVerifiesAndConvertsAndASecondRunMakesNoRequest()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/staged");
        var config = Temp.Combine("hub.yaml");
        File.WriteAllText(config, "model:\n  source: hf:acme/staged\n  dtype: f32\n");
        var environment = StageEnvironment();
        string[] Args(string stage) => [stage, "--config", config, "--artifacts", Temp.Combine("artifacts")];

        var download = LoraProcess.Run(Temp.Path, environment, Args("download"));
        Assert.That(download.ExitCode, Is.Zero, download.Output);
        var convert = LoraProcess.Run(Temp.Path, environment, Args("convert"));
        Assert.That(convert.ExitCode, Is.Zero, convert.Output);
        var converted = Temp.Combine("artifacts", "convert");
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var original = LoraPipeline.Checkpoints.CheckpointLoader.LoadStateDict(Path.Combine(RepoFolder("acme/staged"), "snapshots", repo.Sha));
            var state = LoraPipeline.Checkpoints.CheckpointLoader.LoadStateDict(converted);
            Assert.That(state.Keys.Order(), Is.EqualTo(original.Keys.Order()));
            foreach (var (name, tensor) in state)
            {
                Assert.That(tensor.dtype, Is.EqualTo(TorchSharp.torch.ScalarType.Float32), name);
                Assert.That(tensor.equal(original[name].to(TorchSharp.torch.ScalarType.Float32)).all().item<bool>(), name);
            }
        }

        var requests = Hub.RequestCount;
        File.Delete(Temp.Combine("artifacts", "download", ArtifactNames.StageManifest));
        var again = LoraProcess.Run(Temp.Path, environment, Args("download"));
        Assert.That(again.ExitCode, Is.Zero, again.Output);
        // One lookup for the fingerprint (is the branch where it was?), one when the stage runs; no file is downloaded again.
        Assert.That(Hub.RequestCount, Is.EqualTo(requests + 2), "a cached branch costs two revision lookups, no file download");
        requests = Hub.RequestCount;
        var upToDate = LoraProcess.Run(Temp.Path, environment, Args("download"));
        Assert.That(upToDate.Output, Does.Contain("download: up to date"));
        Assert.That(Hub.RequestCount, Is.EqualTo(requests + 1), "up to date costs the one revision lookup");
    }

    // Issue 19 finding 4 in the config-driven stage: its fingerprint holds the commit the branch points at now.
    [Test]
    public void TheDownloadStageNoticesAMovedBranchAndOfflineStaysUpToDate()
    {
        var first = FakeHubModels.AddShardedBf16Model(Hub, "acme/moving-stage");
        var config = Temp.Combine("moving.yaml");
        File.WriteAllText(config, "model:\n  source: hf:acme/moving-stage\n");
        var environment = StageEnvironment();
        string[] Args() => ["download", "--config", config, "--artifacts", Temp.Combine("moving-artifacts")];
        string Pointed() => ModelPointer.ResolveModelDirectory(Temp.Combine("moving-artifacts", "download"));

        var download = LoraProcess.Run(Temp.Path, environment, Args());
        Assert.That(download.ExitCode, Is.Zero, download.Output);
        Assert.That(Path.GetFileName(Pointed()), Is.EqualTo(first.Sha));
        var again = LoraProcess.Run(Temp.Path, environment, Args());
        Assert.That(again.Output, Does.Contain("download: up to date"), again.Output);

        var moved = FakeHubModels.AddShardedBf16Model(Hub, "acme/moving-stage"); // main now points at a new commit
        var rerun = LoraProcess.Run(Temp.Path, environment, Args());
        Assert.That(rerun.ExitCode, Is.Zero, rerun.Output);
        Assert.That(rerun.Output, Does.Contain("download: running"), "a moved branch is not up to date");
        Assert.That(Path.GetFileName(Pointed()), Is.EqualTo(moved.Sha));
        Assert.That(ModelPointer.ResolvedCommit(Temp.Combine("moving-artifacts")), Is.EqualTo(moved.Sha), "source.json pins the resolved commit");

        var requests = Hub.RequestCount;
        environment["HF_HUB_OFFLINE"] = "1";
        var offline = LoraProcess.Run(Temp.Path, environment, Args());
        Assert.That(offline.Output, Does.Contain("download: up to date"), offline.Output);
        Assert.That(Hub.RequestCount, Is.EqualTo(requests), "offline asks nothing");
    }
}
