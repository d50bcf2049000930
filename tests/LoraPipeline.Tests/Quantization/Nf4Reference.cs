using LoraPipeline.Quantization;

namespace LoraPipeline.Tests.Quantization;

/// <summary>
/// NF4 computed by hand in plain C# arrays, from the code book published with QLoRA/bitsandbytes: nearest code by
/// scanning all sixteen distances (no bucketising), the packing read back nibble by nibble, and dequantized values
/// as <c>code · absmax</c> in float32. The independent side of the quantization tests.
/// </summary>
internal static class Nf4Reference
{
    /// <summary>The published NF4 code book (copied from bitsandbytes' <c>get_4bit_type("nf4")</c>, not from our code).</summary>
    public static readonly float[] Code =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>The index of the code nearest to <paramref name="normalized"/> (the lower one on an exact tie).</summary>
    public static int Nearest(float normalized)
    {
        var best = 0;
        for (var i = 1; i < Code.Length; i++)
            if (Math.Abs(normalized - Code[i]) < Math.Abs(normalized - Code[best])) best = i;
        return best;
    }

    /// <summary>Per-block absmax and code indices of <paramref name="values"/> in blocks of <paramref name="blocksize"/>.</summary>
    public static (float[] Absmax, int[] Indices) Quantize(float[] values, int blocksize)
    {
        var blocks = (values.Length + blocksize - 1) / blocksize;
        var absmax = new float[blocks];
        var indices = new int[values.Length];
        for (var b = 0; b < blocks; b++)
        {
            var end = Math.Min(values.Length, (b + 1) * blocksize);
            for (var i = b * blocksize; i < end; i++) absmax[b] = Math.Max(absmax[b], Math.Abs(values[i]));
            var inverse = 1f / absmax[b];
            for (var i = b * blocksize; i < end; i++)
                indices[i] = Nearest(Math.Clamp(end - b * blocksize == blocksize ? values[i] * inverse : values[i] / absmax[b], -1f, 1f));
        }
        return (absmax, indices);
    }

    /// <summary>The 4-bit codes stored in packed bytes: high nibble first.</summary>
    public static int[] Unpack(byte[] packed, long count)
    {
        var result = new int[count];
        for (var i = 0; i < count; i++) result[i] = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 0x0F;
        return result;
    }

    /// <summary>Reads a weight's parts back as arrays: codes, the float32 absmax (nested reconstruction done by hand), the code book.</summary>
    public static (int[] Codes, float[] Absmax, float[] QuantMap) Parts(Nf4Weight weight)
    {
        var codes = Unpack(weight.Packed.data<byte>().ToArray(), weight.ElementCount);
        var map = weight.QuantMap.data<float>().ToArray();
        float[] absmax;
        if (!weight.IsDoubleQuantized) absmax = weight.Absmax.data<float>().ToArray();
        else
        {
            var q = weight.Absmax.data<byte>().ToArray();
            var nested = weight.NestedAbsmax!.data<float>().ToArray();
            var dynamic = weight.NestedQuantMap!.data<float>().ToArray();
            absmax = q.Select((code, i) => dynamic[code] * nested[i / weight.NestedBlocksize] + weight.NestedOffset).ToArray();
        }
        return (codes, absmax, map);
    }

    /// <summary>The dequantized weight by hand: <c>quant_map[code_i] · absmax[i / blocksize]</c>.</summary>
    public static float[] Dequantize(Nf4Weight weight)
    {
        var (codes, absmax, map) = Parts(weight);
        return codes.Select((c, i) => map[c] * absmax[i / weight.Blocksize]).ToArray();
    }
}

/// <summary>Bitwise tensor comparison for the quantization tests.</summary>
internal static class TensorIdentity
{
    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
