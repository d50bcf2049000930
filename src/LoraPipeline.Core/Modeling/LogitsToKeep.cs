using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Which positions reach the LM head in <see cref="LlamaForCausalLM.Forward"/> (transformers' <c>logits_to_keep</c>).
/// Projecting only the positions a caller needs keeps the [tokens, vocab] logits small: generation needs the last
/// position, the answer loss only the answer tokens.
/// </summary>
internal abstract record LogitsToKeep
{
    private LogitsToKeep() { }

    /// <summary>Every position: logits [batch, seq, vocab].</summary>
    public static LogitsToKeep All { get; } = new AllPositions();

    /// <summary>The last <paramref name="count"/> positions of each row: logits [batch, count, vocab].</summary>
    public static LogitsToKeep Last(int count = 1) =>
        count > 0 ? new LastPositions(count) : throw new ArgumentOutOfRangeException(nameof(count), count, "must be at least 1");

    /// <summary>
    /// The positions <paramref name="flatIndices"/> (int64) into the flattened [batch · seq] token axis:
    /// logits [indices, vocab].
    /// </summary>
    public static LogitsToKeep Flat(Tensor flatIndices) => new FlatPositions(flatIndices);

    /// <summary>Selects the kept rows of <paramref name="hidden"/> [batch, seq, hidden].</summary>
    internal abstract Tensor Select(Tensor hidden);

    private sealed record AllPositions : LogitsToKeep
    {
        internal override Tensor Select(Tensor hidden) => hidden.alias();
    }

    private sealed record LastPositions(int Count) : LogitsToKeep
    {
        internal override Tensor Select(Tensor hidden)
        {
            var seq = hidden.shape[1];
            var keep = Math.Min(Count, seq);
            return hidden.narrow(1, seq - keep, keep);
        }
    }

    private sealed record FlatPositions(Tensor Indices) : LogitsToKeep
    {
        internal override Tensor Select(Tensor hidden) =>
            hidden.reshape(-1, hidden.shape[^1]).index_select(0, Indices);
    }
}
