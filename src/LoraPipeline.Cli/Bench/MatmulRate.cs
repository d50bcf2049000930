using System.Diagnostics;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>The matrix-product rate this process reaches: a square n×n×n product in a timed loop (2·n³ FLOPs each).</summary>
internal static class MatmulRate
{
    /// <summary>FLOP/s of square products of size <paramref name="n"/> in <paramref name="dtype"/>, timed for at least <paramref name="seconds"/> and 3 products.</summary>
    public static double Measure(int n, ScalarType dtype, double seconds = 1.5)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(new long[] { n, n }).to(dtype);
        var b = randn(new long[] { n, n }).to(dtype);
        a.matmul(b).Dispose(); // warm-up: allocations and kernel selection
        var watch = Stopwatch.StartNew();
        var count = 0;
        while (count < 3 || watch.Elapsed.TotalSeconds < seconds)
        {
            a.matmul(b).Dispose();
            count++;
        }
        watch.Stop();
        return 2.0 * n * n * n * count / watch.Elapsed.TotalSeconds;
    }
}
