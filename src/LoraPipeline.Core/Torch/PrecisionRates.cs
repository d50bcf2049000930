using TorchSharp;
using System.Diagnostics;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>Matrix-product rates of this process in bfloat16 and float32 (what the compute dtype choice is based on).</summary>
/// <param name="Bf16FlopsPerSecond">Rate of square bfloat16 products.</param>
/// <param name="F32FlopsPerSecond">Rate of square float32 products.</param>
internal sealed record PrecisionRates(double Bf16FlopsPerSecond, double F32FlopsPerSecond)
{
    /// <summary>How many times faster float32 products are than bfloat16 ones (above 1: bfloat16 is the slow one).</summary>
    public double F32OverBf16 => F32FlopsPerSecond / Math.Max(Bf16FlopsPerSecond, 1);

    /// <summary>One phrase with both rates in GFLOP/s.</summary>
    public string Describe() => FormattableString.Invariant(
        $"bf16 products {Bf16FlopsPerSecond / 1e9:0.0} GFLOP/s vs f32 {F32FlopsPerSecond / 1e9:0.0} GFLOP/s");

    /// <summary>
    /// Measures both rates on <paramref name="device"/> with <paramref name="n"/>³ products: <paramref name="rounds"/>
    /// alternating rounds of about <paramref name="seconds"/> each, keeping each dtype's best, so a burst of load
    /// from another process does not decide against one dtype.
    /// </summary>
    public static PrecisionRates Measure(Device device, int n = 384, double seconds = 0.1, int rounds = 3)
    {
        double bf16 = 0, f32 = 0;
        for (var round = 0; round < rounds; round++)
        {
            bf16 = Math.Max(bf16, MatmulRate(device, n, ScalarType.BFloat16, seconds));
            f32 = Math.Max(f32, MatmulRate(device, n, ScalarType.Float32, seconds));
        }
        return new(bf16, f32);
    }

    /// <summary>FLOP/s of square n×n×n products in <paramref name="dtype"/>, timed for at least <paramref name="seconds"/> and 3 products.</summary>
    public static double MatmulRate(Device device, int n, ScalarType dtype, double seconds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(new long[] { n, n }, device: device).to(dtype);
        var b = randn(new long[] { n, n }, device: device).to(dtype);
        a.matmul(b).Dispose(); // warm-up: allocations and kernel selection
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        var watch = Stopwatch.StartNew();
        var count = 0;
        while (count < 3 || watch.Elapsed.TotalSeconds < seconds)
        {
            a.matmul(b).Dispose();
            count++;
        }
        if (device.type == DeviceType.CUDA) cuda.synchronize();
        watch.Stop();
        return 2.0 * n * n * n * count / watch.Elapsed.TotalSeconds;
    }
}
