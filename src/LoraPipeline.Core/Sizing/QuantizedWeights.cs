using LoraPipeline.Modeling;
using LoraPipeline.Quantization;

namespace LoraPipeline.Sizing;

/// <summary>
/// Bytes of a 4-bit (NF4, double-quantized) base: every decoder projection weight at
/// <see cref="BytesPerParameter"/> — half a byte per code, one 8-bit absmax per 64 values, one float32 nested absmax
/// per 256 × 64 values (code books and the quant-state JSON are a few KiB per tensor and left out) — and the rest
/// (embeddings, norms, biases, LM head) in the compute dtype, as transformers + bitsandbytes keep them.
/// </summary>
internal static class QuantizedWeights
{
    /// <summary>0.5 + 1/64 + 4/(64·256) ≈ 0.5159 bytes per quantized parameter.</summary>
    public const double BytesPerParameter =
        0.5 + 1.0 / Nf4Weight.DefaultBlocksize + 4.0 / (Nf4Weight.DefaultBlocksize * Nf4Weight.DefaultNestedBlocksize);


    /// <summary>Parameters stored 4-bit: the decoder layers' projection weights (biases excluded).</summary>
    public static long QuantizedParameters(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        return config.NumHiddenLayers * (h * q + 2 * h * kv + q * h + 3 * h * config.IntermediateSize);
    }

    /// <summary>Elements of the largest projection weight: the most that is dequantized at once.</summary>
    public static long LargestProjection(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim;
        return Math.Max(h * q, h * config.IntermediateSize);
    }

    /// <summary>Frozen-weight bytes of a 4-bit base whose other tensors take <paramref name="elementBytes"/> each, of
    /// whose decoder projections <paramref name="fullPrecisionProjections"/> parameters are kept in full precision.</summary>
    public static long FrozenBytes(ModelConfig config, int elementBytes, long fullPrecisionProjections = 0)
    {
        var quantized = QuantizedParameters(config) - fullPrecisionProjections;
        if (quantized < 0) throw new ArgumentOutOfRangeException(nameof(fullPrecisionProjections), "more than the model's projection parameters");
        return (long)Math.Ceiling(quantized * BytesPerParameter) + (config.ParameterCount() - quantized) * elementBytes;
    }

    /// <summary>
    /// Decoder-projection parameters the checkpoint in <paramref name="modelDirectory"/> stores in full precision although
    /// it is 4-bit (transformers' <c>llm_int8_skip_modules</c>), read from its safetensors headers; 0 for a checkpoint that
    /// is not quantized (Convert then quantizes every projection).
    /// </summary>
    public static long FullPrecisionProjectionParameters(string modelDirectory, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Quantization is null) return 0;
        var stored = Checkpoints.TensorInventory.Read(modelDirectory);
        var fourBit = ModelQuantizer.FourBitWeights(config, stored.Keys);
        return Checkpoints.TensorInventory.Expected(config)
            .Where(p => ModelQuantizer.IsProjectionWeight(p.Key) && !fourBit.Contains(p.Key))
            .Sum(p => p.Value.Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>
    /// Peak transient bytes of dequantizing the largest projection (<see cref="Nf4Weight.Dequantize"/>): the result in
    /// <paramref name="elementBytes"/> per value, the float32 block absmax, and one pass's temporaries.
    /// </summary>
    public static long DequantizeWorkspace(ModelConfig config, int elementBytes)
    {
        var n = LargestProjection(config);
        return n * elementBytes + (n + Nf4Weight.DefaultBlocksize - 1) / Nf4Weight.DefaultBlocksize * 4 +
               Math.Min(n, Nf4Weight.DequantizeChunkValues) * Nf4Weight.DequantizeTemporaryBytesPerValue;
    }
}
