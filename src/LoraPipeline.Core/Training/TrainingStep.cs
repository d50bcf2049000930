using LoraPipeline.Data;
using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>What one optimizer step did.</summary>
/// <param name="LossSum">Sum of the answer-token cross-entropies over the global batch.</param>
/// <param name="LabelCount">Answer (label) tokens in the global batch; the loss is <c>LossSum / LabelCount</c>.</param>
/// <param name="Tokens">Non-padding tokens processed (prompt and answer).</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
internal sealed record TrainingStepResult(double LossSum, long LabelCount, long Tokens, double GradNorm)
{
    /// <summary>Mean answer-token loss of the global batch.</summary>
    public double Loss => LossSum / Math.Max(1, LabelCount);
}

/// <summary>
/// One optimizer step over a global batch: forward and backward per micro batch with each micro batch's loss sum
/// divided by the whole global batch's label count (so accumulation equals one large batch), then clipping, the
/// AdamW update and zeroed gradients. The model must be in training mode with its dropout seeded by the caller.
/// With packing the examples are first packed into rows (<see cref="SequencePacker"/>) and a micro batch is that
/// many rows; the loss is still the answer-token sum over the global batch's label count.
/// </summary>
internal static class TrainingStep
{
    /// <summary>
    /// Runs the step over <paramref name="examples"/> in micro batches of <paramref name="microBatch"/> examples, or,
    /// with <paramref name="packLength"/> &gt; 0, of that many packed rows of up to <paramref name="packLength"/>
    /// tokens; <paramref name="lossChunkTokens"/> label positions per LM-head chunk (0 = one piece).
    /// </summary>
    public static TrainingStepResult Run(LlamaForCausalLM model, AdapterOptimizer optimizer, IReadOnlyList<TokenRecord> examples, int microBatch,
        double lr, double gradClip, Device device, int lossChunkTokens = 0, int packLength = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(examples);
        if (microBatch < 1) throw new ArgumentOutOfRangeException(nameof(microBatch), microBatch, "the micro batch must hold at least one example");
        long labelCount = examples.Sum(e => e.InputIds.Count - e.LabelStart);
        double lossSum = 0;
        long tokens = 0;
        var rows = packLength > 0 ? SequencePacker.Pack(examples, packLength) : null;
        var count = rows?.Count ?? examples.Count;
        for (var start = 0; start < count; start += microBatch)
        {
            using var scope = NewDisposeScope();
            using var batch = rows is null
                ? TrainingBatch.Collate(examples.Skip(start).Take(microBatch).ToList(), device)
                : TrainingBatch.CollatePacked(rows.Skip(start).Take(microBatch).ToList(), device);
            var sum = AnswerLoss.Sum(model, batch, lossChunkTokens);
            // Divide by the whole global batch's label count once: accumulation equals one large batch.
            sum.div(labelCount).backward();
            lossSum += sum.item<float>();
            tokens += batch.Tokens;
        }
        var gradNorm = optimizer.ClipGradNorm(gradClip);
        optimizer.Step(lr);
        optimizer.ZeroGrad();
        return new TrainingStepResult(lossSum, labelCount, tokens, gradNorm);
    }
}
