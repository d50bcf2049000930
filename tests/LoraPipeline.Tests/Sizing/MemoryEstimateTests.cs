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

    [Test]
    public void QloraFrozenWeightsTakeAtMostPointSixBytesPerQuantizedParameterAndEstimatesHold()
    {
        if (!File.Exists("/proc/self/clear_refs")) Assert.Ignore("peak resident memory is read from /proc (Linux only)");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "memory", "--training", "--quick", "--quantize", "nf4");
        TestContext.Out.WriteLine(result.Output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        var frozen = result.StdOut.Split('\n').Where(l => l.Contains("frozen weights measured", StringComparison.Ordinal)).ToList();
        Assert.That(frozen.Count(l => l.Contains("(goal met)", StringComparison.Ordinal)), Is.EqualTo(2), result.Output);
        foreach (var line in frozen.Where(l => l.Contains("(goal met)", StringComparison.Ordinal)))
        {
            var perParameter = double.Parse(System.Text.RegularExpressions.Regex.Match(line, @"4-bit projections ([0-9.]+) bytes/parameter").Groups[1].Value,
                System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(perParameter, Is.InRange(0.5159, 0.6), line);
        }
    }
}
