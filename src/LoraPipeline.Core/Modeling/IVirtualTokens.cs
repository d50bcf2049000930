using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Embeddings the decoder stack prepends to every sequence before its first position (P-tuning's virtual tokens). While
/// a source is set, <see cref="LlamaModel.Forward"/> puts them first on a fresh cache (or without one), extends the
/// padding mask with ones for them and returns hidden states for the caller's own positions only; the cache then holds
/// them, so callers pass masks over their own tokens and never see the extra positions.
/// </summary>
internal interface IVirtualTokens
{
    /// <summary>How many positions the embeddings take.</summary>
    int Count { get; }

    /// <summary>The embeddings [count, hidden] (with gradient while training), in any floating dtype on any device.</summary>
    Tensor Embeddings();
}
