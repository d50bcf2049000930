using LoraPipeline.Data;
using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// Answer-only cross-entropy: the decoder runs over the whole batch, but only label positions go through
/// the LM head, in float32. Returns the SUM over label tokens, so that gradient accumulation can divide once
/// by the label count of the whole global batch (equal to one large batch, not a mean of means). With a chunk size
/// the LM head and cross-entropy run that many label positions at a time (<see cref="ChunkedCrossEntropy"/>), so the
/// logits never exceed [chunk, vocab].
/// </summary>
internal static class AnswerLoss
{
    /// <summary>
    /// Sum of token cross-entropies over the batch's labels (a scalar float32 tensor with grad when training);
    /// <paramref name="chunkTokens"/> label positions per LM-head chunk, 0 for one piece.
    /// </summary>
    public static Tensor Sum(LlamaForCausalLM model, TrainingBatch batch, int chunkTokens = 0)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Model.Forward(batch.InputIds, batch.AttentionMask, null, batch.PositionIds, batch.Segments);
        // With layers spread over devices the hidden states end on the last one; labels follow (a no-op on one device).
        var kept = LogitsToKeep.Flat(batch.LabelPositions.to(hidden.device)).Select(hidden);
        var targets = batch.Targets.to(hidden.device);
        if (chunkTokens > 0 && batch.LabelCount > chunkTokens && !model.LmHeadWeight.requires_grad)
            return ChunkedCrossEntropy.Sum(kept, model.LmHeadWeight, targets, chunkTokens).MoveToOuterDisposeScope();
        var logits = nn.functional.linear(kept, model.LmHeadWeight).to(ScalarType.Float32);
        return nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).MoveToOuterDisposeScope();
    }

    /// <summary>Mean answer-token cross-entropy over records, in eval mode (no dropout) and without gradients.</summary>
    public static double Mean(LlamaForCausalLM model, IReadOnlyList<TokenRecord> records, int batchSize, Device device, int chunkTokens = 0)
    {
        model.eval();
        using var noGrad = no_grad();
        double sum = 0;
        long count = 0;
        for (var start = 0; start < records.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            using var batch = TrainingBatch.Collate(records.Skip(start).Take(batchSize).ToList(), device);
            sum += Sum(model, batch, chunkTokens).item<float>();
            count += batch.LabelCount;
        }
        return sum / Math.Max(1, count);
    }
}
