using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Torch;

/// <summary><c>train.precision: auto</c> takes the faster dtype of this machine, probed once and cached (issue 19).</summary>
public class ComputeDtypeTests
{
    // The rates issue 19 measured: AMD Zen 2 without bf16 instructions, and a CPU with AVX-512 BF16.
    private static readonly PrecisionRates SlowBf16 = new(0.3e9, 104e9);
    private static readonly PrecisionRates FastBf16 = new(398e9, 100e9);

    [Test]
    public void AutoTakesTheFasterDtype()
    {
        Assert.That(ComputeDtype.Choose(SlowBf16), Is.EqualTo(ScalarType.Float32));
        Assert.That(ComputeDtype.Choose(FastBf16), Is.EqualTo(ScalarType.BFloat16));
    }

    [Test]
    public void CachedRatesDecideAndAreNamedInTheLog()
    {
        using var temp = new TempDirectory();
        var cache = Seed(temp, SlowBf16);
        var log = new List<string>();
        Assert.That(ComputeDtype.Resolve(ComputePrecision.Auto, CPU, log.Add, cache), Is.EqualTo(ScalarType.Float32));
        Assert.That(log.Single(), Does.Contain("precision auto: f32").And.Contain("bf16 products 0.3 GFLOP/s vs f32 104.0 GFLOP/s").And.Contain("cached"));

        log.Clear();
        Assert.That(ComputeDtype.Resolve(ComputePrecision.Bf16, CPU, log.Add, cache), Is.EqualTo(ScalarType.BFloat16), "an explicit bf16 is kept");
        Assert.That(log.Single(), Does.StartWith("warning: train.precision=bf16").And.Contain("346.7x slower"));

        log.Clear();
        Assert.That(ComputeDtype.Resolve(ComputePrecision.Bf16, CPU, log.Add, Seed(temp, FastBf16)), Is.EqualTo(ScalarType.BFloat16));
        Assert.That(log, Is.Empty, "no warning where bf16 is fast");
        Assert.That(ComputeDtype.Resolve(ComputePrecision.F32, CPU, log.Add, cache), Is.EqualTo(ScalarType.Float32));
        Assert.That(log, Is.Empty);
    }

    [Test]
    public void AMachineWithoutCachedRatesIsProbedOnceAndCached()
    {
        using var temp = new TempDirectory();
        var cache = temp.Combine("sub", "precision.json");
        File.WriteAllText(temp.Combine("other.json"), "{}");
        var log = new List<string>();
        var first = ComputeDtype.Resolve(ComputePrecision.Auto, CPU, log.Add, cache);
        var second = ComputeDtype.Resolve(ComputePrecision.Auto, CPU, log.Add, cache);
        TestContext.Out.WriteLine(string.Join("\n", log));
        Assert.Multiple(() =>
        {
            Assert.That(log[0], Does.Contain("measured now"));
            Assert.That(log[1], Does.Contain("cached"));
            Assert.That(second, Is.EqualTo(first));
            var stored = JsonSerializer.Deserialize<Dictionary<string, PrecisionRates>>(File.ReadAllText(cache), ConfigJson.Options)!;
            Assert.That(stored[ComputeDtype.MachineKey()].F32FlopsPerSecond, Is.GreaterThan(1e6), "a real measurement");
        });
    }

    [Test]
    public void ADamagedCacheIsMeasuredAgain()
    {
        using var temp = new TempDirectory();
        var cache = temp.Combine("precision.json");
        File.WriteAllText(cache, "{ not json");
        var log = new List<string>();
        ComputeDtype.Resolve(ComputePrecision.Auto, CPU, log.Add, cache);
        Assert.That(log.Single(), Does.Contain("measured now"));
        Assert.That(File.ReadAllText(cache), Does.Contain(ComputeDtype.MachineKey()));
    }

    private static string Seed(TempDirectory temp, PrecisionRates rates)
    {
        var path = temp.Combine($"precision-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, PrecisionRates> { [ComputeDtype.MachineKey()] = rates }, ConfigJson.Options));
        return path;
    }
}
