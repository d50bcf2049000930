using System.Globalization;
using LoraPipeline.Modeling;

namespace LoraPipeline.Sizing;

/// <summary>
/// Model FLOPs per processed token of a LoRA training step (ANCHORS.md's convention): full fine-tuning FLOPs
/// <c>6·P + 6·L·s·(heads·head_dim) + 6·V·h·ℓ</c>, where P counts the decoder layers' projection weights
/// (<c>L·h²·(12 + 12·kv/heads + 18·I/h)</c> when head_dim = h/heads), the attention term is causal attention's
/// score and value products over sequence length s, and ℓ = LM-head positions / tokens because the answer-only
/// loss runs the LM head on label positions only; then × (2 + adapter / frozen) / 3, since weight-gradient products
/// run over the adapters only. The embedding lookup and the adapters' own small products are not counted.
/// </summary>
/// <param name="LayerWeights">6·P per token.</param>
/// <param name="AttentionTerm">Causal attention's products per token.</param>
/// <param name="LmHeadTerm">The LM head's share per token.</param>
/// <param name="FullPerToken">Full fine-tuning FLOPs per token.</param>
/// <param name="AdapterParameters">Trainable adapter parameters.</param>
/// <param name="FrozenMatmulParameters">Frozen parameters that take part in products (layers and LM head).</param>
/// <param name="LoraPerToken">LoRA training FLOPs per token.</param>
/// <param name="LabelFraction">LM-head positions / tokens.</param>
internal sealed record TrainingFlops(double LayerWeights, double AttentionTerm, double LmHeadTerm, double FullPerToken,
    long AdapterParameters, long FrozenMatmulParameters, double LoraPerToken, double LabelFraction)
{
    /// <summary>The FLOPs of <paramref name="config"/> at <paramref name="seqLength"/> tokens, <paramref name="lossPositions"/> of them through the LM head.</summary>
    public static TrainingFlops For(ModelConfig config, int seqLength, int lossPositions, long adapterParameters)
    {
        double l = config.NumHiddenLayers, h = config.HiddenSize, q = (double)config.NumAttentionHeads * config.HeadDim;
        double kv = (double)config.NumKeyValueHeads * config.HeadDim, i = config.IntermediateSize, v = config.VocabSize, s = seqLength;
        var layerParameters = l * (2 * h * q + 2 * h * kv + 3 * h * i);
        var labelFraction = (double)lossPositions / seqLength;
        var layerWeights = 6 * layerParameters;
        var attention = 6 * l * s * q;
        var lmHead = 6 * v * h * labelFraction;
        var full = layerWeights + attention + lmHead;
        var frozen = (long)(layerParameters + v * h);
        var lora = full * (2 + (double)adapterParameters / frozen) / 3;
        return new TrainingFlops(layerWeights, attention, lmHead, full, adapterParameters, frozen, lora, labelFraction);
    }

    /// <summary>The formula with its numbers filled in, a few lines.</summary>
    public IEnumerable<string> Describe(ModelConfig config, int seqLength, int lossPositions)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "FLOPs per token (full fine-tuning) = L·h²·(12 + 12·kv/heads + 18·I/h + 6·s/h) + 6·V·h·ℓ, ℓ = LM-head positions / tokens";
        yield return string.Format(c, "  L={0} h={1} heads={2} kv={3} I={4} s={5} V={6} ℓ={7}/{8}={9:0.000}",
            config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads, config.NumKeyValueHeads, config.IntermediateSize, seqLength,
            config.VocabSize, lossPositions, seqLength, LabelFraction);
        yield return string.Format(c, "  = {0:0.000} (layer weights) + {1:0.000} (causal attention) + {2:0.000} (LM head) = {3:0.000} GFLOP/token",
            LayerWeights / 1e9, AttentionTerm / 1e9, LmHeadTerm / 1e9, FullPerToken / 1e9);
        yield return string.Format(c, "LoRA FLOPs per token = full × (2 + adapter/frozen)/3 = {0:0.000} × (2 + {1:N0}/{2:N0})/3 = {3:0.000} GFLOP/token",
            FullPerToken / 1e9, AdapterParameters, FrozenMatmulParameters, LoraPerToken / 1e9);
    }
}
