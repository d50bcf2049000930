using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Sizing;

/// <summary>The inference and training estimates against measured peak resident memory (each case in a fresh child process).</summary>
[Category("Bench")]
public sealed class MemoryEstimateTests
{
    [Test]
    public void InferenceAndTrainingEstimatesAreWithinPointEightToOnePointTwoFiveOfMeasuredPeakMemory()
    {
        if (!File.Exists("/proc/self/clear_refs")) Assert.Ignore("peak resident memory is read from /proc (Linux only)");
        foreach (var args in new[] { new[] { "bench", "memory" }, ["bench", "memory", "--training", "--quick"] })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, args);
            TestContext.Out.WriteLine(result.Output);
            var rows = result.StdOut.Split('\n').Where(l => l.Count(c => c == '|') == 3 && !l.Contains("case (", StringComparison.Ordinal)).ToList();
            Assert.That(rows, Has.Count.GreaterThanOrEqualTo(3), result.Output);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        }
    }
}
