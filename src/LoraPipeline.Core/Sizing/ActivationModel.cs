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
/// <item>each adapted projection with input width <c>in</c> keeps, with dropout, the float32 keep mask
/// (<c>rand(...).ge_(p)</c> stays float32) and the dropped input (8·in); without dropout its float32 input (4·in:
/// a copy per projection in bf16, the input itself, shared by q/k/v and by gate/up, in f32); and the float32
/// rank-r intermediate (4·r).</item>
/// </list>
/// The first layer's input is the frozen embedding's output, which needs no gradient: its input norm keeps
/// nothing, its adapters keep no dropout mask, and the parts downstream of it keep nothing either until an adapted
/// projection joins (<see cref="FirstLayerBytesPerToken"/>). Outside the layers, per token: the final norm's float32 input (4h),
/// the rotary cos and sin (2·e·d), and the backward pass's working set while the last layer's MLP is
/// differentiated — the float32 residual gradient (4h) plus the float32 gradient of <c>down_proj</c>'s adapter
/// input (4·I), or the gate/up/product gradients (3·e·I) when <c>down_proj</c> is frozen. The LM head sees only
/// the loss tokens (<c>LogitsToKeep.Flat</c> over the answer positions when <see cref="SizingInputs.LossTokens"/>
/// is set; every token otherwise): see <see cref="LogitBytesPerLossToken"/>. With recomputation each layer keeps
/// only its input (e·h per token) and one layer's full set is alive again while it is recomputed.
/// </summary>
internal static class ActivationModel
{
    /// <summary>Bytes kept for backward per token by one decoder layer (any but the first) without recomputation.</summary>
    public static long LayerBytesPerToken(ModelConfig config, SizingInputs inputs) => LayerBytes(config, inputs, inputNeedsGradient: true);

    /// <summary>
    /// Bytes kept per token by the first decoder layer, whose input needs no gradient: the attention block keeps its
    /// tensors only when q, k or v is adapted, the post-attention norm only when some attention projection is, and
    /// gate (with SiLU's input) or up only when the residual stream or that projection needs a gradient.
    /// </summary>
    public static long FirstLayerBytesPerToken(ModelConfig config, SizingInputs inputs) => LayerBytes(config, inputs, inputNeedsGradient: false);

    /// <summary>Bytes per token outside the layers: final norm, rotary angles and the backward working set.</summary>
    public static long OuterBytesPerToken(ModelConfig config, SizingInputs inputs)
    {
        long h = config.HiddenSize, i = config.IntermediateSize, e = inputs.ElementBytes;
        var downAdapted = AdapterShapes.Targeted(config, inputs.TargetModules).Any(p => p.Name == "down_proj");
        var workingSet = 4 * h + (downAdapted ? 4 * i : 3 * e * i);
        return 4 * h + 2 * e * config.HeadDim + workingSet;
    }

    /// <summary>
    /// Bytes of the loss for one loss token at its peak, the start of the backward pass: the float32
    /// log-probabilities <c>log_softmax</c> keeps, their gradient and the float32 logits' gradient (12·V). The
    /// compute-dtype logits are freed once cast to float32, and their gradient is cast back only after the
    /// log-probabilities are gone.
    /// </summary>
    public static long LogitBytesPerLossToken(ModelConfig config, SizingInputs inputs) => 12L * config.VocabSize;

    /// <summary>Activation bytes of one training micro batch (formula above).</summary>
    public static long TrainingBytes(ModelConfig config, SizingInputs inputs)
    {
        long tokens = (long)inputs.MicroBatchSize * inputs.SeqLength;
        long lossTokens = (long)inputs.MicroBatchSize * Math.Min(inputs.LossTokens ?? inputs.SeqLength, inputs.SeqLength);
        var layer = LayerBytesPerToken(config, inputs);
        var layers = inputs.Recompute
            ? config.NumHiddenLayers * (long)inputs.ElementBytes * config.HiddenSize + layer
            : FirstLayerBytesPerToken(config, inputs) + (config.NumHiddenLayers - 1) * layer;
        return tokens * (layers + OuterBytesPerToken(config, inputs)) + lossTokens * LogitBytesPerLossToken(config, inputs);
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
        var attention = attentionNeedsGradient ? e * (4 * q + s) + 4L * config.NumAttentionHeads : 0;
        var mlp = e * i * ((gateNeedsGradient ? 2 : 0) + (upNeedsGradient ? 1 : 0));
        return norms + attention + mlp + AdapterBytesPerToken(adapted, inputs, InputNeedsGradient);
    }

    // With dropout the keep mask is kept only where the adapter's input needs a gradient; the dropped input always
    // (lora_A's gradient needs it).
    private static long AdapterBytesPerToken(IReadOnlyList<AdapterShapes.Projection> adapted, SizingInputs inputs,
        Func<string, bool> inputNeedsGradient)
    {
        var intermediates = 4L * inputs.LoraR * adapted.Count;
        if (inputs.AdapterDropout) return adapted.Sum(p => (inputNeedsGradient(p.Name) ? 8 : 4) * p.In) + intermediates;
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
