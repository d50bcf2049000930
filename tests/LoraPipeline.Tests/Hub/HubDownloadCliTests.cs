using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Hub;

/// <summary><c>lora download SOURCE</c> as a real child process against the fake hub.</summary>
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
        var snapshot = Path.Combine(RepoFolder("acme/cli"), "snapshots", repo.Sha);
        Assert.That(lines[^1], Is.EqualTo(snapshot));
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

        var builtin = LoraProcess.Run(Temp.Path, Environment(), "download", "builtin:tiny-llama");
        Assert.That(builtin.ExitCode, Is.Not.Zero);
        Assert.That(builtin.StdErr, Does.Contain("not handled by this command yet"));
        var local = LoraProcess.Run(Temp.Path, Environment(), "download", Temp.Path);
        Assert.That(local.StdErr, Does.Contain("not handled by this command yet"));
    }
}
