using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Quantization;

/// <summary>
/// A weight matrix in bitsandbytes' NF4 layout (what <c>bnb.nn.Params4bit</c> holds and transformers saves):
/// the values in blocks of <see cref="Blocksize"/> (64 by default), each block scaled by its absmax and mapped to the
/// nearest of NF4's sixteen codes, two codes per byte (first value in the high nibble), as a uint8 tensor
/// [ceil(n/2), 1]. With double quantization the float32 absmax values lose their mean (<see cref="NestedOffset"/>)
/// and are quantized again, 8-bit against the dynamic map in blocks of <see cref="NestedBlocksize"/> (256).
/// Dequantized values are <c>quant_map[code] · absmax</c> in float32, rounded to the stored <see cref="Dtype"/> and
/// then cast to the requested dtype, as bitsandbytes' <c>dequantize_4bit</c> returns the quant state's dtype and
/// <c>MatMul4Bit</c> casts that to the input's. Owns its tensors.
/// </summary>
internal sealed class Nf4Weight : IDisposable
{
    /// <summary>bitsandbytes' default 4-bit block size (<c>Params4bit</c>, transformers' <c>BitsAndBytesConfig</c>).</summary>
    public const int DefaultBlocksize = 64;

    /// <summary>Block size of the double quantization of absmax values (fixed in bitsandbytes' <c>quantize_4bit</c>).</summary>
    public const int DefaultNestedBlocksize = 256;

    /// <summary>The block sizes bitsandbytes accepts for 4-bit quantization.</summary>
    public static IReadOnlyList<int> ValidBlocksizes { get; } = [32, 64, 128, 256, 512, 1024, 2048, 4096];

    /// <summary>Creates a weight from its parts (checked by <see cref="Nf4Serialization"/> when read from a file).</summary>
    public Nf4Weight(Tensor packed, Tensor absmax, Tensor quantMap, int blocksize, long[] shape, string dtype,
        Tensor? nestedAbsmax = null, Tensor? nestedQuantMap = null, int nestedBlocksize = DefaultNestedBlocksize, float nestedOffset = 0)
    {
        Packed = packed;
        Absmax = absmax;
        QuantMap = quantMap;
        Blocksize = blocksize;
        Shape = shape;
        Dtype = dtype;
        NestedAbsmax = nestedAbsmax;
        NestedQuantMap = nestedQuantMap;
        NestedBlocksize = nestedBlocksize;
        NestedOffset = nestedOffset;
    }

    /// <summary>Two 4-bit codes per byte, uint8 [ceil(n/2), 1] (the tensor saved as <c>weight</c>).</summary>
    public Tensor Packed { get; }

    /// <summary>Per-block absmax: uint8 indices into <see cref="NestedQuantMap"/> when double-quantized, else float32.</summary>
    public Tensor Absmax { get; }

    /// <summary>The 4-bit code book, float32 [16] (NF4).</summary>
    public Tensor QuantMap { get; }

    /// <summary>Values per 4-bit block.</summary>
    public int Blocksize { get; }

    /// <summary>Shape of the original weight ([out, in] for a projection).</summary>
    public long[] Shape { get; }

    /// <summary>The original weight's dtype name (<c>bfloat16</c>, <c>float16</c>, <c>float32</c>), stored in the quant state.</summary>
    public string Dtype { get; }

    /// <summary>float32 absmax of each 256-block of <see cref="Absmax"/> (double quantization), or null.</summary>
    public Tensor? NestedAbsmax { get; }

    /// <summary>The 8-bit dynamic code book [256] for <see cref="Absmax"/> (double quantization), or null.</summary>
    public Tensor? NestedQuantMap { get; }

    /// <summary>Values per block of the double quantization.</summary>
    public int NestedBlocksize { get; }

    /// <summary>The mean absmax, subtracted before the double quantization and added back after it.</summary>
    public float NestedOffset { get; }

    /// <summary>Whether the absmax values are themselves quantized.</summary>
    public bool IsDoubleQuantized => NestedAbsmax is not null;

    /// <summary>Elements of the original weight.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Tensor bytes of an <paramref name="elements"/>-value weight quantized with the defaults (double quantization):
    /// packed codes, 8-bit absmax, float32 nested absmax, both code books and about 256 bytes of quant-state JSON.
    /// </summary>
    public static long StoredBytes(long elements)
    {
        var blocks = (elements + DefaultBlocksize - 1) / DefaultBlocksize;
        return (elements + 1) / 2 + blocks + 4 * ((blocks + DefaultNestedBlocksize - 1) / DefaultNestedBlocksize) + 4 * (16 + 256) + 256;
    }

    /// <summary>
    /// Quantizes <paramref name="weight"/> (any float dtype, any device) with the NF4 code book; the result lives on
    /// the weight's device and records its dtype. <paramref name="doubleQuantize"/> is transformers'
    /// <c>bnb_4bit_use_double_quant</c>.
    /// </summary>
    public static Nf4Weight Quantize(Tensor weight, int blocksize = DefaultBlocksize, bool doubleQuantize = true)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!ValidBlocksizes.Contains(blocksize))
            throw new ArgumentOutOfRangeException(nameof(blocksize), blocksize, $"blocksize must be one of {string.Join(", ", ValidBlocksizes)}");
        var dtypeName = Torch.DTypes.TorchDtypeName(weight.dtype);
        using var scope = NewDisposeScope();
        var device = weight.device;
        var code = QuantCodes.Nf4(device);
        var (indices, absmax) = BlockwiseCodec.Quantize(weight, code, blocksize);
        if (indices.shape[0] % 2 == 1) indices = nn.functional.pad(indices, [0, 1]);
        var codes = indices.to(ScalarType.Byte);
        var packed = codes.slice(0, 0, codes.shape[0], 2).bitwise_left_shift(4)
            .bitwise_or(codes.slice(0, 1, codes.shape[0], 2)).unsqueeze(1);
        if (!doubleQuantize)
            return Owned(new Nf4Weight(packed, absmax, code, blocksize, weight.shape, dtypeName));
        var offset = absmax.mean();
        var dynamic = QuantCodes.DynamicMap(device);
        var (nestedIndices, nestedAbsmax) = BlockwiseCodec.Quantize(absmax - offset, dynamic, DefaultNestedBlocksize);
        return Owned(new Nf4Weight(packed, nestedIndices.to(ScalarType.Byte), code, blocksize, weight.shape, dtypeName,
            nestedAbsmax, dynamic, DefaultNestedBlocksize, offset.item<float>()));
    }

    /// <summary>The float32 absmax of every 4-bit block (reconstructed from the double quantization when present).</summary>
    public Tensor BlockAbsmax()
    {
        if (!IsDoubleQuantized) return Absmax.to(ScalarType.Float32, copy: true);
        using var scope = NewDisposeScope();
        var values = BlockwiseCodec.Dequantize(Absmax, NestedAbsmax!, NestedQuantMap!, NestedBlocksize) + NestedOffset;
        return values.MoveToOuterDisposeScope();
    }

    /// <summary>Values dequantized per pass: bounds the float32 and index temporaries to a few tens of MiB whatever the weight's size.</summary>
    public const long DequantizeChunkValues = 1L << 22;

    /// <summary>Bytes per value of one dequantization pass's temporaries: nibbles and codes (2), int32 indices (4), gathered and
    /// scaled float32 (8). A compute dtype other than the stored one adds a 16-bit rounding copy (2 more, 8 MiB a pass),
    /// which the Plan leaves out: it sizes runs that compute in the dtype they store.</summary>
    public const int DequantizeTemporaryBytesPerValue = 14;

    /// <summary>
    /// The dequantized weight in <paramref name="dtype"/>, shaped <see cref="Shape"/>, on the weight's device; computed in
    /// passes of <see cref="DequantizeChunkValues"/> values (whole blocks) written into the result, so the temporaries
    /// stay small; each value is the float32 <c>code · absmax</c> rounded to the stored <see cref="Dtype"/>, then to
    /// <paramref name="dtype"/>. The stop at the stored dtype is what bitsandbytes does: a bf16-stored weight used in
    /// float32 has bf16 values there too, so a QLoRA run in f32 on a bf16 base sees the base transformers sees.
    /// </summary>
    public Tensor Dequantize(ScalarType dtype)
    {
        var n = ElementCount;
        var stored = Torch.DTypes.FromTorchDtypeName(Dtype);
        var output = empty(Shape, dtype, Packed.device);
        using (var scope = NewDisposeScope())
        {
            var flat = output.view(-1); // a view disposed with the scope; the caller owns `output` alone
            var absmax = BlockAbsmax();
            var bytes = Packed.reshape(-1);
            var chunk = DequantizeChunkValues / Blocksize * Blocksize; // whole blocks, an even count
            for (long start = 0; start < n; start += chunk)
            {
                using var pass = NewDisposeScope();
                var length = Math.Min(chunk, n - start);
                var packed = bytes.narrow(0, start / 2, (length + 1) / 2);
                var codes = stack([packed.bitwise_right_shift(4), packed.bitwise_and(0x0F)], 1).reshape(-1).narrow(0, 0, length);
                var blocks = absmax.narrow(0, start / Blocksize, (length + Blocksize - 1) / Blocksize);
                var values = BlockwiseCodec.Dequantize(codes, blocks, QuantMap, Blocksize);
                flat.narrow(0, start, length).copy_(stored == dtype || stored == ScalarType.Float32 ? values : values.to(stored));
            }
        }
        return output;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Packed.Dispose();
        Absmax.Dispose();
        QuantMap.Dispose();
        NestedAbsmax?.Dispose();
        NestedQuantMap?.Dispose();
    }

    private static Nf4Weight Owned(Nf4Weight weight)
    {
        foreach (var t in new[] { weight.Packed, weight.Absmax, weight.QuantMap, weight.NestedAbsmax, weight.NestedQuantMap })
            t?.MoveToOuterDisposeScope();
        return weight;
    }
}
