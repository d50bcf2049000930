using System.Diagnostics;
using LoraPipeline.Benchmarking;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using static TorchSharp.torch;

namespace LoraPipeline.Selection;

/// <summary>
/// Measures this machine for the roofline, in the process's own libtorch and thread count: the bandwidth a
/// vector × matrix product streams a 256 MiB weight at (what a decode step does), the float32 and bf16 peak of a
/// 1024³ matrix product, and the fixed time per decoder layer and per step of our own decoding loop, from two
/// one- and three-layer models small enough that their arithmetic is negligible. Each reading is the best of several.
/// </summary>
internal static class MachineProfile
{
    /// <summary>The measured profile, named <c>this-machine</c>, with this machine's RAM as its memory.</summary>
    public static GpuProfile Measure(ServingPrecision precision = ServingPrecision.F32)
    {
        var dtype = precision == ServingPrecision.F32 ? ScalarType.Float32 : ScalarType.BFloat16;
        var bandwidth = Bandwidth(dtype);
        var f32 = Flops(ScalarType.Float32);
        var bf16 = Flops(ScalarType.BFloat16);
        var (layer, step) = Overheads(dtype);
        var ram = GpuCatalog.MachineRam()?.MemoryBytes ?? 8L << 30;
        return new GpuProfile("this-machine", ram, bandwidth, bf16, null, 1, 1, 1, layer, step, f32, IsGpu: false);
    }

    /// <summary>Bytes per second of <c>x[1, 4096] @ W[4096, n]</c> with W of 256 MiB in <paramref name="dtype"/>.</summary>
    public static double Bandwidth(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var elementBytes = dtype == ScalarType.Float32 ? 4 : 2;
        long columns = (256L << 20) / elementBytes / 4096;
        var w = randn(4096, columns, dtype: dtype);
        var x = randn(1, 4096, dtype: dtype);
        var seconds = Best(() => matmul(x, w).Dispose(), 6);
        return 4096.0 * columns * elementBytes / seconds;
    }

    /// <summary>FLOP/s of a 1024 × 1024 × 1024 matrix product in <paramref name="dtype"/>.</summary>
    public static double Flops(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var a = randn(1024, 1024, dtype: dtype);
        var b = randn(1024, 1024, dtype: dtype);
        var seconds = Best(() => matmul(a, b).Dispose(), 5);
        return 2.0 * 1024 * 1024 * 1024 / seconds;
    }

    /// <summary>Per-layer and per-step decode time of models whose arithmetic is negligible (hidden 64, vocab 256).</summary>
    public static (double LayerSeconds, double StepSeconds) Overheads(ScalarType dtype)
    {
        var one = DecodeSeconds(1, dtype);
        var three = DecodeSeconds(3, dtype);
        var layer = Math.Max(0, (three - one) / 2);
        return (layer, Math.Max(0, one - layer));
    }

    private static double DecodeSeconds(int layers, ScalarType dtype)
    {
        var config = ModelConfigs.Llama(64, layers, 4, 2, 128, 256);
        using var model = LlamaForCausalLM.CreateRandom(config, 11, dtype, CPU);
        var grid = new BenchGrid([1], [16], 48);
        return Enumerable.Range(0, 3).Min(_ => InferenceBenchmark.Run(model, grid)[0].TokenMilliseconds) / 1000;
    }

    private static double Best(Action action, int repeats)
    {
        action(); // warm-up: allocation and kernel selection
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
