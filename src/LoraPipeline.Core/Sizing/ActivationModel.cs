using LoraPipeline.Configuration;
using LoraPipeline.Modeling;

namespace LoraPipeline.Sizing;

/// <summary>
/// Bytes of activations a LoRA training step keeps for the backward pass, counted tensor by tensor from what this
/// project's training step runs (<c>Modeling/</c>, <c>Lora/LoraLinear</c>, <c>Training/AnswerLoss</c>): autograd
/// keeps a tensor only where a gradient needs it, and the frozen weights need none. With h hidden, H heads, H·d
/// query width, I intermediate, s the sequence length, r the rank and e the activation element size (2 for bf16,
/// 4 for f32), per decoder layer and token:
/// <list type="bullet">
/// <item>each RMSNorm keeps its float32 input (4h); its output is not kept (the frozen projections need no
/// weight gradient, and the adapters keep their own copy);</item>
/// <item>attention keeps the inputs of the fused <c>scaled_dot_product_attention</c> kernel — the rotated q and
/// the k and v repeated to the query heads (3·e·H·d) — its output (e·H·d), the float32 log-sum-exp per head (4·H)
/// and the additive mask the kernel makes from the boolean one in the compute dtype (e·s); no s × s scores;</item>
/// <item>the SwiGLU MLP keeps gate, SiLU(gate) and up (3·e·I); their product only reaches <c>down_proj</c>;</item>
/// <item>each adapted projection with input width <c>in</c> keeps, with dropout, the boolean keep mask (where the
/// input needs a gradient) and the float32 dropped input (5·in); without dropout its float32 input (4·in:
/// a copy per projection in bf16, the input itself, shared by q/k/v and by gate/up, in f32); and the float32
/// rank-r intermediate (4·r).</item>
/// </list>
/// The first layer's input is the frozen embedding's output, which needs no gradient: its input norm keeps
/// nothing, its adapters keep no dropout mask, and the parts downstream of it keep nothing either until an adapted
/// projection joins (<see cref="FirstLayerBytesPerToken"/>). Outside the layers, per token: the final norm's float32 input (4h),
/// the rotary cos and sin (2·e·d), and the backward pass's working set while the last layer's MLP is
/// differentiated — the float32 residual gradient (4h) plus the float32 gradient of <c>down_proj</c>'s adapter
/// input (4·I), or the gate/up/product gradients (3·e·I) when <c>down_proj</c> is frozen — which is alive only
/// after the loss's tensors are freed, so the peak counts the larger of the two. The LM head sees only
/// the loss tokens (<c>LogitsToKeep.Flat</c> over the answer positions when <see cref="SizingInputs.LossTokens"/>
/// is set; every token otherwise): see <see cref="LossBytes"/>.
/// <para>The attention mask: a single unpacked row, and packed rows (attention per example), run the lean path (no
/// mask tensor, the kernel's <c>is_causal</c>), so the e·s term above is only there when
/// <see cref="SizingInputs.HasAttentionMask"/>; the shared boolean mask itself adds s bytes per token once.</para>
/// <para>Recomputation (<see cref="SizingInputs.Checkpointing"/>): <c>selective</c> replaces the attention block's
/// kernel inputs, output, log-sum-exp and additive mask by what the recomputed core keeps — the rotated q, the
/// unrepeated k and v, and the uninitialised output-sized tensor TorchSharp's function node holds
/// (e·(2·H·d + 2·kv·d)); <c>full</c> keeps per layer its input and that output-sized tensor (2·e·h) and has one
/// layer's full set alive again while it is recomputed.</para>
/// </summary>
internal static class ActivationModel
{
    /// <summary>Bytes kept for backward per token by one decoder layer (any but the first), with <c>none</c> or <c>selective</c> recomputation.</summary>
    public static long LayerBytesPerToken(ModelConfig config, SizingInputs inputs) => LayerBytes(config, inputs, inputNeedsGradient: true);

    /// <summary>
    /// Bytes kept per token by the first decoder layer, whose input needs no gradient: the attention block keeps its
    /// tensors only when q, k or v is adapted, the post-attention norm only when some attention projection is, and
    /// gate (with SiLU's input) or up only when the residual stream or that projection needs a gradient.
    /// </summary>
    /// <remarks>With P-tuning the first layer's input holds the virtual tokens, whose gradient is needed: it keeps what every layer keeps.</remarks>
    public static long FirstLayerBytesPerToken(ModelConfig config, SizingInputs inputs) =>
        LayerBytes(config, inputs, inputNeedsGradient: inputs.Scheme == PeftScheme.Ptuning);

    /// <summary>Bytes per token kept outside the layers: the final norm's float32 input and the rotary angles.</summary>
    public static long OuterBytesPerToken(ModelConfig config, SizingInputs inputs) =>
        4L * config.HiddenSize + 2L * inputs.ElementBytes * config.HeadDim;

    /// <summary>
    /// Bytes per token of the backward pass's working set while the last layer's MLP is differentiated: the float32
    /// residual gradient plus the float32 gradient of <c>down_proj</c>'s adapter input, or the gate/up/product
    /// gradients when <c>down_proj</c> is frozen. It is alive only once the loss's tensors are gone.
    /// </summary>
    public static long BackwardWorkingSetPerToken(ModelConfig config, SizingInputs inputs)
    {
        long h = config.HiddenSize, i = config.IntermediateSize, e = inputs.ElementBytes;
        var downAdapted = AdapterShapes.Targeted(config, inputs.TargetModules).Any(p => p.Name == "down_proj");
        return 4 * h + (downAdapted ? 4 * i : 3 * e * i);
    }

    /// <summary>
    /// Bytes of the unchunked loss for one loss token at its peak, the start of the backward pass: the float32
    /// log-probabilities <c>log_softmax</c> keeps, their gradient and the float32 logits' gradient (12·V). The
    /// compute-dtype logits are freed once cast to float32, and their gradient is cast back only after the
    /// log-probabilities are gone.
    /// </summary>
    public static long LogitBytesPerLossToken(ModelConfig config, SizingInputs inputs) => 12L * config.VocabSize;

    /// <summary>
    /// Bytes of the LM head and loss for <paramref name="lossTokens"/> label positions of one micro batch. In one piece
    /// <see cref="LogitBytesPerLossToken"/> each. Chunked (<see cref="SizingInputs.LossChunkTokens"/> below the
    /// count, see <c>Training/ChunkedCrossEntropy</c>): the hidden-state gradient it keeps (e·h each) and one chunk's
    /// working set — compute-dtype logits, their float32 copy and <c>logsumexp</c>'s float32 temporary (V·(e + 8);
    /// in float32 the cast is the same tensor, so 8·V).
    /// </summary>
    public static long LossBytes(ModelConfig config, SizingInputs inputs, long lossTokens)
    {
        long chunk = inputs.LossChunkTokens, e = inputs.ElementBytes;
        if (chunk <= 0 || lossTokens <= chunk) return lossTokens * LogitBytesPerLossToken(config, inputs);
        var perLogit = e == 4 ? 8 : e + 8;
        return lossTokens * e * config.HiddenSize + chunk * config.VocabSize * perLogit;
    }

    /// <summary>
    /// Activation bytes of one training micro batch at its peak (formula above): what the layers and the final norm
    /// keep, plus the larger of the two things that are never alive together — the loss's tensors (end of the forward
    /// pass, start of the backward pass) and the backward working set (with <c>full</c>, including the layer being
    /// recomputed).
    /// </summary>
    public static long TrainingBytes(ModelConfig config, SizingInputs inputs)
    {
        long tokens = (long)inputs.MicroBatchSize * inputs.SeqLength;
        long lossTokens = (long)inputs.MicroBatchSize * Math.Min(inputs.LossTokens ?? inputs.SeqLength, inputs.SeqLength);
        long layers = config.NumHiddenLayers;
        var full = inputs.Checkpointing == ActivationCheckpointing.Full;
        var kept = full
            ? layers * 2L * inputs.ElementBytes * config.HiddenSize
            : FirstLayerBytesPerToken(config, inputs) + (layers - 1) * LayerBytesPerToken(config, inputs);
        var sharedMask = inputs.HasAttentionMask ? inputs.SeqLength : 0;
        var working = BackwardWorkingSetPerToken(config, inputs) +
                      (full ? LayerBytes(config, inputs with { Checkpointing = ActivationCheckpointing.None }, inputNeedsGradient: true) : 0);
        return tokens * (kept + OuterBytesPerToken(config, inputs) + sharedMask) + Math.Max(LossBytes(config, inputs, lossTokens), tokens * working);
    }

    private static long LayerBytes(ModelConfig config, SizingInputs inputs, bool inputNeedsGradient)
    {
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, i = config.IntermediateSize;
        long e = inputs.ElementBytes, s = inputs.SeqLength;
        var adapted = AdapterShapes.Targeted(config, inputs.TargetModules);
        bool Adapted(string name) => adapted.Any(p => p.Name == name);
        // A tensor is kept where the gradient of something that needs one depends on it.
        var attentionNeedsGradient = inputNeedsGradient || Adapted("q_proj") || Adapted("k_proj") || Adapted("v_proj");
        var residualNeedsGradient = attentionNeedsGradient || Adapted("o_proj");
        var gateNeedsGradient = residualNeedsGradient || Adapted("gate_proj");
        var upNeedsGradient = residualNeedsGradient || Adapted("up_proj");
        bool InputNeedsGradient(string projection) => projection switch
        {
            "q_proj" or "k_proj" or "v_proj" => inputNeedsGradient,
            "o_proj" => attentionNeedsGradient,
            "gate_proj" or "up_proj" => residualNeedsGradient,
            _ => gateNeedsGradient || upNeedsGradient,
        };
        var norms = (inputNeedsGradient ? 4 * h : 0) + (residualNeedsGradient ? 4 * h : 0);
        long kv = (long)config.NumKeyValueHeads * config.HeadDim;
        var attention = !attentionNeedsGradient ? 0
            : inputs.Checkpointing == ActivationCheckpointing.Selective ? e * (2 * q + 2 * kv)
            : e * (4 * q + (inputs.HasAttentionMask ? s : 0)) + 4L * config.NumAttentionHeads;
        var mlp = e * i * ((gateNeedsGradient ? 2 : 0) + (upNeedsGradient ? 1 : 0));
        return norms + attention + mlp + AdapterBytesPerToken(adapted, inputs, InputNeedsGradient);
    }

    // With dropout the keep mask is kept only where the adapter's input needs a gradient; the dropped input always
    // (lora_A's gradient needs it).
    private static long AdapterBytesPerToken(IReadOnlyList<AdapterShapes.Projection> adapted, SizingInputs inputs,
        Func<string, bool> inputNeedsGradient)
    {
        var intermediates = 4L * inputs.LoraR * adapted.Count;
        if (inputs.AdapterDropout) return adapted.Sum(p => (inputNeedsGradient(p.Name) ? 5 : 4) * p.In) + intermediates;
        if (inputs.ElementBytes != 4) return adapted.Sum(p => 4 * p.In) + intermediates;
        return adapted.GroupBy(p => SharedInput(p.Name)).Sum(g => 4 * g.First().In) + intermediates;
    }

    // The tensor a projection reads: q/k/v read the input norm's output, gate/up the post-attention norm's.
    private static string SharedInput(string projection) => projection switch
    {
        "q_proj" or "k_proj" or "v_proj" => "attention input",
        "gate_proj" or "up_proj" => "mlp input",
        _ => projection,
    };
}
