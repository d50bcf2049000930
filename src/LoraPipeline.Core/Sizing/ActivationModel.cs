using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Sizing;

/// <summary>
/// Bytes of activations a LoRA training step keeps for the backward pass, counted tensor by tensor from this
/// project's network (<c>Modeling/</c>). With h hidden, H·d query width, I intermediate, e the activation element
/// size (2 for bf16, 4 for f32), per decoder layer and token:
/// <list type="bullet">
/// <item>each RMSNorm keeps its float32 input (4h) and its output in the activation dtype (e·h): 2 × (4h + e·h);</item>
/// <item>attention keeps the rotated q and the k and v repeated to the query heads (the inputs of
/// <c>scaled_dot_product_attention</c>, 3·e·H·d), its output (e·H·d), the merged copy that feeds <c>o_proj</c>
/// (e·H·d) and the float32 log-sum-exp per head (4·heads); a fused attention kernel is assumed (no seq × seq
/// scores are kept);</item>
/// <item>the SwiGLU MLP keeps gate, up, SiLU(gate) and their product (4·e·I);</item>
/// <item>each adapted projection with input width <c>in</c> keeps its float32 adapter input (4·in), a dropout
/// mask when dropout is on (1·in), and the float32 rank-r intermediate (4·r).</item>
/// </list>
/// Outside the layers: the final norm (4h + e·h per token), full-vocabulary logits for every loss token
/// (see <see cref="LogitBytesPerLossToken"/>; with <see cref="SizingInputs.LossTokens"/> only the answer
/// positions reach the LM head, as <c>Training.AnswerLoss</c> does), and the backward pass's working set for the residual stream (2·e·h + 8h per token).
/// With recomputation each layer keeps only its input (e·h per token) and one layer's full set is alive
/// again while it is recomputed.
/// </summary>
internal static class ActivationModel
{
    /// <summary>Bytes kept for backward per token by one decoder layer without recomputation.</summary>
    public static long LayerBytesPerToken(ModelConfig config, SizingInputs inputs)
    {
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, i = config.IntermediateSize;
        long e = inputs.ElementBytes;
        var norms = 2 * (4 * h + e * h);
        var attention = e * (3 * q + q + q) + 4L * config.NumAttentionHeads;
        var mlp = 4 * e * i;
        var adapters = AdapterShapes.Targeted(config, inputs.TargetModules)
            .Sum(p => (inputs.AdapterDropout ? 5 : 4) * p.In + 4L * inputs.LoraR);
        return norms + attention + mlp + adapters;
    }

    /// <summary>Bytes per token outside the layers: final norm and the backward working set of the residual stream.</summary>
    public static long OuterBytesPerToken(ModelConfig config, SizingInputs inputs)
    {
        long h = config.HiddenSize, e = inputs.ElementBytes;
        return (4 * h + e * h) + (2 * e * h + 8 * h);
    }

    /// <summary>
    /// Bytes of the loss for one loss token at its peak, the start of the backward pass: the float32
    /// log-probabilities kept by <c>log_softmax</c>, their gradient and the float32 logits' gradient (12·V), plus
    /// the gradient cast back to the activation dtype when that is not float32 (e·V).
    /// </summary>
    public static long LogitBytesPerLossToken(ModelConfig config, SizingInputs inputs) =>
        (12L + (inputs.ElementBytes == 4 ? 0 : inputs.ElementBytes)) * config.VocabSize;

    /// <summary>Activation bytes of one training micro batch (formula above).</summary>
    public static long TrainingBytes(ModelConfig config, SizingInputs inputs)
    {
        long tokens = (long)inputs.MicroBatchSize * inputs.SeqLength;
        long lossTokens = (long)inputs.MicroBatchSize * Math.Min(inputs.LossTokens ?? inputs.SeqLength, inputs.SeqLength);
        var layer = LayerBytesPerToken(config, inputs);
        var layers = inputs.Recompute
            ? config.NumHiddenLayers * (long)inputs.ElementBytes * config.HiddenSize + layer
            : config.NumHiddenLayers * layer;
        return tokens * (layers + OuterBytesPerToken(config, inputs)) + lossTokens * LogitBytesPerLossToken(config, inputs);
    }
}
