using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// The memory of a contiguous CPU tensor as spans of at most <see cref="ChunkBytes"/> bytes. TorchSharp's
/// <c>Tensor.bytes</c> is one <see cref="Span{T}"/>, which cannot exceed <see cref="int.MaxValue"/> bytes, so a tensor over
/// 2 GiB (Qwen2-72B's bf16 embedding is 2.49 GB) has to be read and written through views of its flattened elements.
/// </summary>
internal static class TensorBytes
{
    /// <summary>Largest span handed out (1 GiB; internal so tests can make small tensors take the chunked path).</summary>
    internal static long ChunkBytes { get; set; } = 1L << 30;

    /// <summary>Receives one span of a tensor's memory and its byte offset in the tensor.</summary>
    public delegate void ChunkAction(Span<byte> chunk, long offset);

    /// <summary>Calls <paramref name="action"/> on consecutive spans covering the memory of <paramref name="tensor"/>
    /// (contiguous, on the CPU), in order.</summary>
    public static void ForEach(Tensor tensor, ChunkAction action)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(action);
        var elements = tensor.NumberOfElements;
        var elementSize = tensor.ElementSize;
        if (elements == 0) return;
        if (elements * elementSize <= ChunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        using var flat = tensor.view(-1);
        var perChunk = Math.Max(1, ChunkBytes / elementSize);
        for (long start = 0; start < elements; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, elements - start));
            action(part.bytes, start * elementSize);
        }
    }
}
