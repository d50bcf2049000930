using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Foundation;

/// <summary>The real <c>lora</c> executable, run as a child process.</summary>
[Category("Integration")]
public class CliTests
{
    [Test]
    public void HelpListsEveryStage()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "--help");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        foreach (var stage in StageCatalog.All)
            Assert.That(result.StdOut, Does.Contain(stage.Name), $"--help should list {stage.Name}");
    }

    [Test]
    public void ABadConfigExitsWithCode2NamingKeyAndFileAndRunsNothing()
    {
        using var temp = new TempDirectory("cli");
        var config = temp.Combine("bad.yaml");
        File.WriteAllText(config, "train:\n  max_stepz: 10\n");
        var result = LoraProcess.Run(temp.Path, null, "train", "--config", config);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.Output, Does.Contain($"{config}:2: train.max_stepz: unknown key"));
        Assert.That(Directory.Exists(temp.Combine("artifacts")), Is.False, "nothing may run on a config error");
    }

    [Test]
    public void ABadOverrideExitsWithCode2()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "config", "--set", "lora.r=zero");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.Output, Does.Contain("--set lora.r=zero: lora.r: expected an integer, got 'zero'"));
    }

    [Test]
    public void ConfigCommandPrintsResolvedValues()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "config", "--set", "train.max_steps=7");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("\"max_steps\": 7"));
    }

    [Test]
    public void InfoLoadsLibtorchInTheCliProcess()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "info");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("libtorch").And.Contain("5, 14, 14, 50"));
    }
}
