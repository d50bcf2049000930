using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Sizing;

/// <summary>
/// Memory of serving the model: weights, the KV cache (2 · layers · kv_heads · head_dim · bytes per token of
/// context, per sequence) and the working set of a prefill, which this network computes one layer at a time.
/// </summary>
/// <param name="WeightBytes">Weights in the serving dtype.</param>
/// <param name="KvBytesPerToken">Keys and values of one token over all layers.</param>
/// <param name="ContextLength">Tokens of context per sequence (prompt + generated).</param>
/// <param name="PrefillWorkspaceBytes">Largest transient working set of a prefill of one sequence.</param>
internal sealed record InferenceEstimate(long WeightBytes, long KvBytesPerToken, int ContextLength, long PrefillWorkspaceBytes)
{
    /// <summary>KV cache of one sequence at <see cref="ContextLength"/>.</summary>
    public long KvBytesPerSequence => KvBytesPerToken * ContextLength;

    /// <summary>Bytes on each of <paramref name="tensorParallel"/> GPUs serving <paramref name="sequences"/> concurrent
    /// sequences: weights, KV cache and workspace split across them, plus workspace share and the constant.</summary>
    public long PerGpuBytes(int tensorParallel, int sequences) =>
        FrameworkOverhead.DeviceBytes(TrainingEstimate.CeilDiv(
            WeightBytes + sequences * KvBytesPerSequence + PrefillWorkspaceBytes, tensorParallel));

    /// <summary>Most concurrent sequences at <see cref="ContextLength"/> that fit <paramref name="capacityBytes"/> on each
    /// of <paramref name="tensorParallel"/> GPUs (0 when not even one does).</summary>
    public int MaxSequences(long capacityBytes, int tensorParallel)
    {
        if (PerGpuBytes(tensorParallel, 1) > capacityBytes) return 0;
        // Per-GPU bytes grow linearly with the sequences: solve, then step down to a count that fits.
        var perSequence = Math.Max(1.0, KvBytesPerSequence * (1 + FrameworkOverhead.WorkspaceShare) / tensorParallel);
        var guess = (int)Math.Min(1_000_000, 1 + (capacityBytes - PerGpuBytes(tensorParallel, 1)) / perSequence);
        while (guess > 1 && PerGpuBytes(tensorParallel, guess) > capacityBytes) guess--;
        return guess;
    }

    /// <summary>Bytes of keys and values per token: 2 · layers · kv_heads · head_dim · element size.</summary>
    public static long KvBytes(ModelConfig config, int elementBytes) =>
        2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * elementBytes;

    /// <summary>
    /// Transient bytes of a prefill of <paramref name="tokens"/> tokens (batch × prompt) attending to
    /// <paramref name="keys"/> positions, for this network, which frees each layer's temporaries before the next:
    /// the larger of the attention block (float32 norm copies 12h, norm outputs 2·e·h, q/k/v and their rotary
    /// temporaries 4·e·(H·d + 2·kv·d), attention output and merged copy 2·e·H·d, o_proj output and residual
    /// 2·e·h per token, plus the k/v repeated to the query heads 2·e·H·d per key) and the MLP block (12h + 2·e·h for
    /// the norm, 4·e·I for gate, up, SiLU and product, 2·e·h for down_proj and residual), plus the hidden state
    /// carried between layers (e·h) and float32 logits of the last position (4·V per sequence).
    /// </summary>
    public static long PrefillBytes(ModelConfig config, int elementBytes, long tokens, long keys, int batch)
    {
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim,
            kv = (long)config.NumKeyValueHeads * config.HeadDim, i = config.IntermediateSize, e = elementBytes;
        var repeated = config.NumKeyValueHeads == config.NumAttentionHeads ? 0 : 2 * e * q * keys;
        var attention = tokens * (12 * h + 2 * e * h + 4 * e * (q + 2 * kv) + 2 * e * q + 2 * e * h) + repeated;
        var mlp = tokens * (12 * h + 2 * e * h + 4 * e * i + 2 * e * h);
        return Math.Max(attention, mlp) + tokens * e * h + 4L * batch * config.VocabSize;
    }

    /// <summary>
    /// Tensor bytes of one prefill of <paramref name="batch"/> sequences of <paramref name="tokens"/> tokens into a KV
    /// cache sized for exactly those tokens: weights + KV cache + prefill working set, plus the allocator workspace
    /// share of <see cref="FrameworkOverhead"/> (no process constant). This is what <c>lora bench memory</c> compares
    /// with the measured peak resident increase.
    /// </summary>
    public static long PrefillProcessBytes(ModelConfig config, int elementBytes, int batch, int tokens)
    {
        var tensors = config.ParameterCount() * elementBytes + KvBytes(config, elementBytes) * batch * tokens +
                      PrefillBytes(config, elementBytes, (long)batch * tokens, tokens, batch);
        return tensors + FrameworkOverhead.Workspace(tensors);
    }

    /// <summary>Serving estimate for one sequence of <paramref name="contextLength"/> tokens in <paramref name="elementBytes"/>-byte weights.</summary>
    public static InferenceEstimate Compute(ModelConfig config, int elementBytes, int contextLength) =>
        new(config.ParameterCount() * elementBytes, KvBytes(config, elementBytes), contextLength,
            PrefillBytes(config, elementBytes, contextLength, contextLength, 1));
}
