using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Quantization;

/// <summary>
/// Blockwise absmax quantization against a sorted code book, as bitsandbytes' portable kernels do it (bitsandbytes
/// 0.50, <c>backends/default/ops.py</c>, <c>quantize_blockwise</c>/<c>quantize_4bit</c> and their dequantizers):
/// each block of <c>blocksize</c> consecutive values (the last one may be shorter) is divided by its largest absolute
/// value, clamped to [-1, 1] and mapped to the nearest code by bucketising against the midpoints between codes
/// (a value exactly on a midpoint takes the lower code). Dequantization is <c>code[index] · absmax</c> in float32.
/// </summary>
internal static class BlockwiseCodec
{
    /// <summary>
    /// Code indices (int32, same element count as <paramref name="values"/>, flattened) and the float32 absmax of each block.
    /// </summary>
    public static (Tensor Indices, Tensor Absmax) Quantize(Tensor values, Tensor code, int blocksize)
    {
        if (blocksize < 1) throw new ArgumentOutOfRangeException(nameof(blocksize), blocksize, "blocksize must be positive");
        using var scope = NewDisposeScope();
        var flat = values.reshape(-1).to(ScalarType.Float32);
        var n = flat.shape[0];
        var rem = n % blocksize;
        var full = n - rem;
        var absmax = empty(0, ScalarType.Float32, flat.device);
        var scaled = empty(0, ScalarType.Float32, flat.device);
        if (full > 0)
        {
            var blocks = flat.narrow(0, 0, full).reshape(full / blocksize, blocksize);
            absmax = blocks.abs().amax([-1]);
            scaled = (blocks * (1.0 / absmax.clamp_min(1e-38)).view(-1, 1)).clamp(-1, 1).reshape(-1);
        }
        if (rem > 0)
        {
            var tail = flat.narrow(0, full, rem);
            var last = tail.abs().max().clamp_min(1e-38);
            absmax = cat([absmax, last.unsqueeze(0)]);
            scaled = cat([scaled, (tail / last).clamp(-1, 1)]);
        }
        var count = code.shape[0];
        var bounds = (code.narrow(0, 0, count - 1) + code.narrow(0, 1, count - 1)) / 2;
        var indices = searchsorted(bounds, scaled, out_int32: true);
        return (indices.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope());
    }

    /// <summary><c>code[indices] · absmax</c> per block, float32, flattened; <paramref name="indices"/> may be any integer type.</summary>
    public static Tensor Dequantize(Tensor indices, Tensor absmax, Tensor code, int blocksize)
    {
        using var scope = NewDisposeScope();
        var values = code.index_select(0, indices.reshape(-1).to(ScalarType.Int32));
        var n = values.shape[0];
        var rem = n % blocksize;
        var full = n - rem;
        Tensor result;
        if (rem == 0)
            result = (values.view(-1, blocksize) * absmax.view(-1, 1)).reshape(-1);
        else
        {
            var blocks = full / blocksize;
            var head = (values.narrow(0, 0, full).view(-1, blocksize) * absmax.narrow(0, 0, blocks).view(-1, 1)).reshape(-1);
            result = cat([head, values.narrow(0, full, rem) * absmax[blocks]]);
        }
        return result.MoveToOuterDisposeScope();
    }
}
