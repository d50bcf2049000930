using LoraPipeline.Benchmarking;

namespace LoraPipeline.Tests.Benchmarking;

/// <summary>The side-by-side lines of <c>lora bench memory --training</c> from measured bytes.</summary>
public sealed class RecomputationSummaryTests
{
    private const double Mib = 1 << 20;

    [Test]
    public void ModesAreComparedWithNoneAndTheGoalIsJudgedAtTheLongSequence()
    {
        var lines = RecomputationSummary.Lines(new Dictionary<string, double>
        {
            ["768,12,12,4,2048,32000,f32,1,2048,1024,16,none,0"] = 1000 * Mib,
            ["768,12,12,4,2048,32000,f32,1,2048,1024,16,full,0"] = 400 * Mib,
            ["768,12,12,4,2048,32000,f32,1,2048,1024,16,selective,0"] = 900 * Mib,
            ["384,4,6,2,1024,8192,f32,1,768,384,16,none,0"] = 100 * Mib,
            ["384,4,6,2,1024,8192,f32,1,768,384,16,full,0"] = 30 * Mib,
            ["256,4,4,4,688,8192,f32,2,160,32,16"] = 5 * Mib,
        }).ToList();
        Assert.That(lines, Has.Count.EqualTo(2));
        Assert.That(lines[0], Does.Contain("none 1000.0 MiB").And.Contain("selective 900.0 MiB = 0.900x").And.Contain("full 400.0 MiB = 0.400x (goal <= 0.35: NOT met)"));
        Assert.That(lines[1], Does.Contain("full 30.0 MiB = 0.300x").And.Not.Contain("goal"));
    }

    [Test]
    public void ChunkedLossIsComparedWithTheLossInOnePiece()
    {
        var line = RecomputationSummary.Lines(new Dictionary<string, double>
        {
            ["768,12,12,4,2048,32000,f32,1,2048,2048,16,full,0"] = 800 * Mib,
            ["768,12,12,4,2048,32000,f32,1,2048,2048,16,full,256"] = 450 * Mib,
        }).Single();
        Assert.That(line, Does.Contain("2048 answer tokens, vocab 32000").And.Contain("one piece 800.0 MiB").And.Contain("chunks of 256 450.0 MiB (350.0 MiB less)"));
    }
}
