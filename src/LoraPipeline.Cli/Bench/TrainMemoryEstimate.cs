using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// A simple estimate of a LoRA training step's peak resident memory, term by term:
/// <list type="bullet">
/// <item>baseline: the process's resident size before the model was built (runtime, libtorch), measured;</item>
/// <item>weights: every model parameter in the compute dtype;</item>
/// <item>adapter + gradients + AdamW moments: 4 float32 copies of the adapter parameters;</item>
/// <item>activations kept for backward, per token and layer: the float32 inputs of both RMSNorms, for each adapted
/// projection its float32 input (and dropout mask when dropout > 0) plus the rank-r product, attention's q, k, v
/// (repeated to all heads) and output in the compute dtype (a fused kernel: no s×s score matrix), and the MLP's gate,
/// SiLU and up outputs in the compute dtype;</item>
/// <item>LM head: float32 log-probabilities and their gradient plus compute-dtype logits on the label positions.</item>
/// </list>
/// Allocator caching and backward's transient buffers are not modelled.
/// </summary>
internal sealed record TrainMemoryEstimate(long Baseline, long Weights, long AdapterState, long Activations, long LmHead)
{
    public long Total => Baseline + Weights + AdapterState + Activations + LmHead;

    public static TrainMemoryEstimate For(TrainBenchShape shape, long baseline, long modelParameters, long adapterParameters)
    {
        long b = shape.Dtype == ScalarType.BFloat16 ? 2 : 4;
        long h = shape.Hidden, q = (long)shape.Heads * shape.HeadDim, i = shape.Intermediate, r = shape.LoraRank;
        var dropoutFactor = shape.LoraDropout > 0 ? 8L : 4L;
        long adapted = 0;
        foreach (var target in shape.TargetModules)
        {
            var input = target switch { "o_proj" => q, "down_proj" => i, _ => h };
            adapted += dropoutFactor * input + 4 * r;
        }
        var perTokenLayer = 2 * 4 * h + adapted + 4 * q * b + 3 * i * b;
        var tokens = (long)shape.SeqLen * shape.MicroBatch;
        var activations = perTokenLayer * shape.Layers * tokens;
        var lmHead = (long)shape.LabelPositions * shape.MicroBatch * shape.Vocab * (8 + b);
        return new TrainMemoryEstimate(baseline, modelParameters * b, 4 * 4 * adapterParameters, activations, lmHead);
    }

    public string Describe() =>
        $"baseline {Mib(Baseline)} + weights {Mib(Weights)} + adapter/grads/AdamW {Mib(AdapterState)} + activations {Mib(Activations)} + LM head {Mib(LmHead)} = {Mib(Total)}";

    public static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}
