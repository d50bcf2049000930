using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Sizing;

/// <summary>The inference estimates against measured peak resident memory (each case in a fresh child process).</summary>
public sealed class MemoryEstimateTests
{
    [Test]
    public void InferenceEstimatesAreWithinPointEightToOnePointTwoFiveOfMeasuredPeakMemory()
    {
        if (!File.Exists("/proc/self/clear_refs")) Assert.Ignore("peak resident memory is read from /proc (Linux only)");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "memory");
        TestContext.Out.WriteLine(result.Output);
        var rows = result.StdOut.Split('\n').Where(l => l.Count(c => c == '|') == 3 && !l.StartsWith("case", StringComparison.Ordinal)).ToList();
        Assert.That(rows, Has.Count.GreaterThanOrEqualTo(3), result.Output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
    }

    [Test]
    public void TrainingMeasurementSaysItWaitsForTheLoraLayers()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "memory", "--training");
        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(result.StdErr, Does.Contain("LoRA layers"));
    }
}
