using LoraPipeline.Data;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// A micro batch, right-padded: token ids, the attention mask, and the flat (row·length + position) indices of
/// the positions whose next token is a label, with those target ids. Only those positions reach the LM
/// head, so full-vocabulary logits are never computed for prompt tokens. A packed batch holds several examples
/// per row, each with positions from 0 and a block-diagonal causal mask, so no token sees another example.
/// </summary>
internal sealed class TrainingBatch : IDisposable
{
    private TrainingBatch(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds, Tensor labelPositions, Tensor targets, long tokens)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PositionIds = positionIds;
        LabelPositions = labelPositions;
        Targets = targets;
        Tokens = tokens;
    }

    /// <summary>Token ids [batch, length] (int64), padding with 0.</summary>
    public Tensor InputIds { get; }

    /// <summary>
    /// Unpacked: 1 for tokens, 0 for padding [batch, length] (int64), or null when no row is padded, so attention runs
    /// as plain causal attention without a mask tensor. Packed: the boolean block-diagonal causal mask
    /// [batch, 1, length, length].
    /// </summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Position ids [batch, length], restarting at 0 for each packed example; null when unpacked (derived from the mask).</summary>
    public Tensor? PositionIds { get; }

    /// <summary>Flat indices into [batch·length] of the positions that predict a label.</summary>
    public Tensor LabelPositions { get; }

    /// <summary>The label token at each of those positions (the next token).</summary>
    public Tensor Targets { get; }

    /// <summary>Number of label tokens (answer tokens plus end-of-turn tokens).</summary>
    public long LabelCount => Targets.shape[0];

    /// <summary>Non-padding tokens processed.</summary>
    public long Tokens { get; }

    /// <summary>Collates token records, one per row, on <paramref name="device"/>.</summary>
    public static TrainingBatch Collate(IReadOnlyList<TokenRecord> records, Device device)
    {
        ArgumentNullException.ThrowIfNull(records);
        var layout = Layout.Build(records.Select(r => (IReadOnlyList<TokenRecord>)[r]).ToList());
        var padded = records.Any(r => r.InputIds.Count != layout.Length);
        return new TrainingBatch(
            tensor(layout.Ids, [layout.Rows, layout.Length], device: device),
            padded ? tensor(layout.Segments.Select(s => s >= 0 ? 1L : 0L).ToArray(), [layout.Rows, layout.Length], device: device) : null,
            null,
            tensor(layout.LabelPositions.ToArray(), device: device),
            tensor(layout.Targets.ToArray(), device: device),
            layout.Tokens);
    }

    /// <summary>Collates packed rows (several examples each, see <see cref="SequencePacker"/>) on <paramref name="device"/>.</summary>
    public static TrainingBatch CollatePacked(IReadOnlyList<IReadOnlyList<TokenRecord>> rows, Device device)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var layout = Layout.Build(rows);
        return new TrainingBatch(
            tensor(layout.Ids, [layout.Rows, layout.Length], device: device),
            BlockDiagonalCausalMask(layout, device),
            tensor(layout.Positions, [layout.Rows, layout.Length], device: device),
            tensor(layout.LabelPositions.ToArray(), device: device),
            tensor(layout.Targets.ToArray(), device: device),
            layout.Tokens);
    }

    /// <summary>True where query and key belong to the same example and the key is not later: [rows, 1, length, length].</summary>
    private static Tensor BlockDiagonalCausalMask(Layout layout, Device device)
    {
        using var scope = NewDisposeScope();
        var segments = tensor(layout.Segments, [layout.Rows, layout.Length], device: device);
        var sameExample = segments.unsqueeze(2).eq(segments.unsqueeze(1));
        var causal = ones(layout.Length, layout.Length, ScalarType.Bool, device).tril();
        return sameExample.logical_and(causal.unsqueeze(0)).unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask?.Dispose();
        PositionIds?.Dispose();
        LabelPositions.Dispose();
        Targets.Dispose();
    }

    /// <summary>
    /// Host-side layout of rows of examples: ids, per-token example index (padding gets its own negative index per
    /// position, so a padding query attends only itself and its row is never empty), positions within the example,
    /// and the label positions with their targets.
    /// </summary>
    private sealed record Layout(long Rows, long Length, long[] Ids, long[] Segments, long[] Positions,
        List<long> LabelPositions, List<long> Targets, long Tokens)
    {
        public static Layout Build(IReadOnlyList<IReadOnlyList<TokenRecord>> rows)
        {
            var length = rows.Max(r => r.Sum(e => e.InputIds.Count));
            var ids = new long[rows.Count * length];
            var segments = new long[rows.Count * length];
            var positions = new long[rows.Count * length];
            for (var i = 0; i < segments.Length; i++) segments[i] = -1 - i;
            var labelPositions = new List<long>();
            var targets = new List<long>();
            long tokens = 0, example = 0;
            for (var row = 0; row < rows.Count; row++)
            {
                var offset = 0;
                foreach (var record in rows[row])
                {
                    var start = (long)row * length + offset;
                    for (var t = 0; t < record.InputIds.Count; t++)
                    {
                        ids[start + t] = record.InputIds[t];
                        segments[start + t] = example;
                        positions[start + t] = t;
                    }
                    // Position t predicts token t+1; labels are tokens LabelStart..end.
                    for (var t = Math.Max(record.LabelStart, 1) - 1; t < record.InputIds.Count - 1; t++)
                    {
                        labelPositions.Add(start + t);
                        targets.Add(record.InputIds[t + 1]);
                    }
                    tokens += record.InputIds.Count;
                    offset += record.InputIds.Count;
                    example++;
                }
            }
            return new Layout(rows.Count, length, ids, segments, positions, labelPositions, targets, tokens);
        }
    }
}
