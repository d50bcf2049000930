using LoraPipeline.Tests.Support;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Torch;

/// <summary>libtorch's thread count is chosen, not inherited (issue 19 point 3).</summary>
public class ThreadBudgetTests
{
    [TestCase("0", new[] { 0 })]
    [TestCase("0-3", new[] { 0, 1, 2, 3 })]
    [TestCase("0-1,4,6-7", new[] { 0, 1, 4, 6, 7 })]
    public void CpuListsExpand(string list, int[] expected) => Assert.That(ThreadBudget.ParseCpuList(list), Is.EqualTo(expected));

    [Test]
    public void TheDefaultIsThePhysicalCoresOfThisProcess()
    {
        var cores = ThreadBudget.AvailablePhysicalCores();
        Assert.That(cores, Is.InRange(1, Environment.ProcessorCount));
        var before = get_num_threads();
        try
        {
            Assert.That(ThreadBudget.Apply(0), Is.EqualTo(cores));
            Assert.That(get_num_threads(), Is.EqualTo(cores));
            Assert.That(ThreadBudget.Apply(1), Is.EqualTo(1));
            Assert.That(get_num_threads(), Is.EqualTo(1));
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Test]
    [Category("Integration")]
    public void StageCommandsReportAndTakeTheThreadsOption()
    {
        using var temp = new TempDirectory("threads");
        var config = RepositoryPaths.Combine("configs", "default.yaml");
        var bad = LoraProcess.Run(temp.Path, null, "train", "--config", config, "--artifacts", temp.Path, "--threads", "-1");
        Assert.That(bad.ExitCode, Is.EqualTo(1), bad.Output);
        Assert.That(bad.StdErr.Trim(), Does.EndWith("--threads: must be 0 (auto) or more, got -1"));
        var setting = LoraProcess.Run(temp.Path, null, "config", "--config", config, "--set", "train.threads=-2");
        Assert.That(setting.ExitCode, Is.EqualTo(2), setting.Output);
        Assert.That(setting.StdErr, Does.Contain("--set train.threads=-2: train.threads: must be between 0 and 4096"));
    }
}
