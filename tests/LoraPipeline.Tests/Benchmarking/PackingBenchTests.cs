using LoraPipeline.Benchmarking;
using LoraPipeline.Data;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Benchmarking;

/// <summary><c>lora bench packing</c>: the padding arithmetic, and the command on the shipped dataset.</summary>
public sealed class PackingBenchTests
{
    private static TokenRecord Record(int length) => new($"r{length}", Enumerable.Range(0, length).ToList(), length / 2);

    [Test]
    public void UnpackedPaddingShareCountsEachMicroBatchPaddedToItsLongestRow()
    {
        // One step of four: unpacked micro batches {10, 2} and {6, 6} hold 20 + 12 = 32 positions for 24 tokens.
        Assert.That(PackingComparison.UnpackedPaddingShare([Record(10), Record(2), Record(6), Record(6)], 4, 2), Is.EqualTo(1 - 24 / 32.0).Within(1e-12));
        // Two steps of two; the fifth record makes no whole step and is left out: {10, 2} and {6, 6} again.
        Assert.That(PackingComparison.UnpackedPaddingShare([Record(10), Record(2), Record(6), Record(6), Record(9)], 2, 2), Is.EqualTo(1 - 24 / 32.0).Within(1e-12));
        Assert.Throws<ArgumentException>(() => PackingComparison.UnpackedPaddingShare([Record(3)], 4, 2));
    }

    [Test]
    [Category("Integration")]
    public void BenchPackingPreparesTheShippedDatasetAndPrintsBothSettings()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "packing", "--seq-lens", "384", "--layers", "1",
            "--steps", "1", "--warmup", "0", "--global-batch", "4");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Match(@"max_seq_length 384: \d+ train examples, mean \d+ tokens; padding share unpacked [\d.]+ ?%, packed 0 % \(one unpadded row per forward pass\); " +
                                              @"tokens/s unpacked [\d.]+, packed [\d.]+, packed/unpacked [\d.]+"));
    }

    [Test]
    public void ABadSequenceLengthIsNamedWithoutAStackTrace()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "packing", "--seq-lens", "384,abc");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.StdErr, Does.Contain("--seq-lens: 'abc'").And.Not.Contain("   at "));
    }
}
