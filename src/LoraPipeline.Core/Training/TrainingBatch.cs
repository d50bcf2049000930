using LoraPipeline.Data;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// A micro batch, right-padded: token ids, attention mask, and the flat (row·length + position) indices of
/// the positions whose next token is a label, with those target ids. Only those positions reach the LM
/// head, so full-vocabulary logits are never computed for prompt tokens.
/// </summary>
internal sealed class TrainingBatch : IDisposable
{
    private TrainingBatch(Tensor inputIds, Tensor? attentionMask, Tensor labelPositions, Tensor targets, long tokens)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        LabelPositions = labelPositions;
        Targets = targets;
        Tokens = tokens;
    }

    /// <summary>Token ids [batch, length] (int64), padding with 0.</summary>
    public Tensor InputIds { get; }

    /// <summary>
    /// 1 for tokens, 0 for padding [batch, length] (int64); null when no row is padded, so attention runs as plain
    /// causal attention without a mask tensor.
    /// </summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Flat indices into [batch·length] of the positions that predict a label.</summary>
    public Tensor LabelPositions { get; }

    /// <summary>The label token at each of those positions (the next token).</summary>
    public Tensor Targets { get; }

    /// <summary>Number of label tokens (answer tokens plus end-of-turn tokens).</summary>
    public long LabelCount => Targets.shape[0];

    /// <summary>Non-padding tokens processed.</summary>
    public long Tokens { get; }

    /// <summary>Collates token records on <paramref name="device"/>.</summary>
    public static TrainingBatch Collate(IReadOnlyList<TokenRecord> records, Device device)
    {
        var length = records.Max(r => r.InputIds.Count);
        var ids = new long[records.Count * length];
        var mask = new long[records.Count * length];
        var positions = new List<long>();
        var targets = new List<long>();
        long tokens = 0;
        for (var row = 0; row < records.Count; row++)
        {
            var record = records[row];
            for (var t = 0; t < record.InputIds.Count; t++)
            {
                ids[row * length + t] = record.InputIds[t];
                mask[row * length + t] = 1;
            }
            tokens += record.InputIds.Count;
            // Position t predicts token t+1; labels are tokens LabelStart..end.
            for (var t = Math.Max(record.LabelStart, 1) - 1; t < record.InputIds.Count - 1; t++)
            {
                positions.Add((long)row * length + t);
                targets.Add(record.InputIds[t + 1]);
            }
        }
        var padded = records.Any(r => r.InputIds.Count != length);
        return new TrainingBatch(
            tensor(ids, new long[] { records.Count, length }, device: device),
            padded ? tensor(mask, new long[] { records.Count, length }, device: device) : null,
            tensor(positions.ToArray(), device: device),
            tensor(targets.ToArray(), device: device),
            tokens);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask?.Dispose();
        LabelPositions.Dispose();
        Targets.Dispose();
    }
}
