using System.Diagnostics;
using LoraPipeline.Benchmarking;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using static TorchSharp.torch;

namespace LoraPipeline.Selection;

/// <summary>
/// Measures this machine for the roofline, in the process's own libtorch and thread count: the bandwidth a linear
/// layer streams a 256 MiB weight at for a few rows of input (what a decode step does), the float32 and bf16 peak of a
/// 1024³ matrix product, and the fixed time per decoder layer and per step of our own decoding loop, from two
/// one- and three-layer models small enough that their arithmetic is negligible. Each reading is the best of several.
/// </summary>
internal static class MachineProfile
{
    /// <summary>
    /// The measured profile, named <c>this-machine</c>, with this machine's RAM as its memory; bandwidth and overheads
    /// are also measured at each of <paramref name="batches"/> (a CPU's small-batch products and per-row work do not
    /// scale as a GPU's do).
    /// </summary>
    /// <param name="precision">Serving precision measured.</param>
    /// <param name="batches">Batch sizes to measure bandwidth and overheads at (default 1).</param>
    /// <param name="inFeatures">Linear-layer input widths to measure the streaming rate for as well (default none).</param>
    public static GpuProfile Measure(ServingPrecision precision = ServingPrecision.F32, IReadOnlyList<int>? batches = null, IReadOnlyList<int>? inFeatures = null)
    {
        var dtype = precision == ServingPrecision.F32 ? ScalarType.Float32 : ScalarType.BFloat16;
        var byBatch = (batches ?? [1]).Distinct().Order().ToDictionary(b => b, b =>
        {
            var (layer, step) = Overheads(dtype, b);
            var widths = inFeatures is { Count: > 0 } ? inFeatures.Distinct().ToDictionary(k => k, k => Bandwidth(dtype, b, k)) : null;
            return new BatchCalibration(Bandwidth(dtype, b), layer, step, widths);
        });
        var one = byBatch[byBatch.Keys.Min()];
        var ram = GpuCatalog.MachineRam()?.MemoryBytes ?? 8L << 30;
        return new GpuProfile("this-machine", ram, one.BandwidthBytesPerSecond, Flops(ScalarType.BFloat16), null, 1, 1, 1,
            one.LayerOverheadSeconds, one.StepOverheadSeconds, Flops(ScalarType.Float32), IsGpu: false, ByBatch: byBatch);
    }

    /// <summary>Weight bytes per second of a linear layer <c>x[batch, k] · W[n, k]ᵀ</c> (our projections' layout) with W of 256 MiB.</summary>
    public static double Bandwidth(ScalarType dtype, int batch = 1, int inFeatures = 4096)
    {
        using var scope = NewDisposeScope();
        var elementBytes = dtype == ScalarType.Float32 ? 4 : 2;
        long rows = (256L << 20) / elementBytes / inFeatures;
        var w = randn(rows, inFeatures, dtype: dtype);
        var x = randn(batch, inFeatures, dtype: dtype);
        var seconds = Best(() => nn.functional.linear(x, w).Dispose(), 6);
        return (double)inFeatures * rows * elementBytes / seconds;
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

    /// <summary>Per-layer and per-step decode time at <paramref name="batch"/> of models whose arithmetic is negligible (hidden 64, vocab 256).</summary>
    public static (double LayerSeconds, double StepSeconds) Overheads(ScalarType dtype, int batch = 1)
    {
        var one = DecodeSeconds(1, dtype, batch);
        var three = DecodeSeconds(3, dtype, batch);
        var layer = Math.Max(0, (three - one) / 2);
        return (layer, Math.Max(0, one - layer));
    }

    private static double DecodeSeconds(int layers, ScalarType dtype, int batch)
    {
        var config = ModelConfigs.Llama(64, layers, 4, 2, 128, 256);
        using var model = LlamaForCausalLM.CreateRandom(config, 11, dtype, CPU);
        var grid = new BenchGrid([batch], [16], 48);
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
