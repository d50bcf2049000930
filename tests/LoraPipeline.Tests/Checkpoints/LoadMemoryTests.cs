using System.Globalization;
using System.Text.RegularExpressions;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Checkpoints;

/// <summary>Loading a checkpoint peaks at no more than 1.3x its size in resident memory (measured by the real benchmark).</summary>
[Category("Bench")]
public class LoadMemoryTests
{
    [Test]
    public void LoadingA200MbCheckpointPeaksBelow1Point3TimesItsSize()
    {
        if (!File.Exists("/proc/self/clear_refs")) Assert.Ignore("peak RSS can only be reset and read on Linux");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "load", "--size-mb", "200");
        TestContext.Out.WriteLine(result.Output);
        var match = Regex.Match(result.StdOut, @"peak load memory / checkpoint size: ([0-9.]+)");
        Assert.That(match.Success, Is.True, result.Output);
        var ratio = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.That(ratio, Is.LessThanOrEqualTo(1.3));
        // A load that reads nothing would also pass the bound; the tensors must really be resident.
        Assert.That(ratio, Is.GreaterThan(0.8));
        Assert.That(result.ExitCode, Is.EqualTo(0));
    }
}
