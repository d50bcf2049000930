using static TorchSharp.torch;

namespace LoraPipeline.Quantization;

/// <summary>
/// The two code books of bitsandbytes' 4-bit scheme (bitsandbytes 0.50, <c>functional.py</c> at commit 95f9af3):
/// NF4, sixteen quantiles of a standard normal scaled to [-1, 1] (<c>get_4bit_type("nf4")</c>, published in the
/// QLoRA paper), and the signed 8-bit dynamic map that double quantization uses for the block absmax values
/// (<c>create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)</c>).
/// </summary>
internal static class QuantCodes
{
    /// <summary>NF4's sixteen values, index = 4-bit code (sorted, so index order is value order).</summary>
    public static IReadOnlyList<float> Nf4Values { get; } =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>The NF4 code book as a float32 tensor [16] on <paramref name="device"/>.</summary>
    public static Tensor Nf4(Device? device = null) => tensor(Nf4Values.ToArray(), ScalarType.Float32, device ?? CPU);

    /// <summary>
    /// The signed dynamic 8-bit map [256], sorted: for each exponent <c>i</c> in 0..6, the midpoints of
    /// <c>linspace(0.1, 1, 2^i + 1)</c> scaled by <c>10^(i-6)</c>, with both signs, plus 0 and 1. Built with libtorch's
    /// own float32 <c>linspace</c> and products, as bitsandbytes builds it with PyTorch's. float32 <c>linspace</c> rounds
    /// differently between PyTorch builds (this map and PyTorch 1.13's differ by up to 2 ulp in 42 of 256 values, seen
    /// 2026-12-07), which is harmless: the map is stored with every weight (<c>nested_quant_map</c>) and loaders use that.
    /// </summary>
    public static Tensor DynamicMap(Device? device = null)
    {
        const int maxExponentBits = 7, nonSignBits = 7;
        var values = new List<float>(256);
        using (NewDisposeScope())
        {
            for (var i = 0; i < maxExponentBits; i++)
            {
                var items = (1 << (i + nonSignBits - maxExponentBits)) + 1;
                var boundaries = linspace(0.1, 1.0, items, ScalarType.Float32);
                var means = (boundaries.narrow(0, 0, items - 1) + boundaries.narrow(0, 1, items - 1)) / 2.0;
                var scale = Math.Pow(10, -(maxExponentBits - 1) + i);
                values.AddRange((means * scale).data<float>().ToArray());
                values.AddRange((means * -scale).data<float>().ToArray());
            }
        }
        values.Add(0f);
        values.Add(1f);
        if (values.Count != 256) throw new InvalidOperationException($"the dynamic map has {values.Count} values, not 256");
        values.Sort();
        return tensor(values.ToArray(), ScalarType.Float32, device ?? CPU);
    }
}
