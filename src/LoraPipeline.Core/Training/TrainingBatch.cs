using LoraPipeline.Data;
using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// A micro batch, right-padded: token ids, the attention mask, and the flat (row·length + position) indices of
/// the positions whose next token is a label, with those target ids. Only those positions reach the LM
/// head, so full-vocabulary logits are never computed for prompt tokens. A packed batch is one unpadded row of
/// examples end to end, each with positions from 0, and its <see cref="Segments"/>: attention runs causally within
/// each example (<see cref="PackedSegments"/>), so no token sees another example and no mask tensor exists.
/// </summary>
internal sealed class TrainingBatch : IDisposable
{
    private TrainingBatch(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds, Tensor labelPositions, Tensor targets, long tokens,
        PackedSegments? segments = null)
    {
        Segments = segments;
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
    /// as plain causal attention without a mask tensor. Packed: null (see <see cref="Segments"/>).
    /// </summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Packed: the row's examples as segments; null when unpacked.</summary>
    public PackedSegments? Segments { get; }

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
            padded ? tensor(layout.TokenMask, [layout.Rows, layout.Length], device: device) : null,
            null,
            tensor(layout.LabelPositions.ToArray(), device: device),
            tensor(layout.Targets.ToArray(), device: device),
            layout.Tokens);
    }

    /// <summary>
    /// Collates packed rows (several examples each, see <see cref="SequencePacker"/>) on <paramref name="device"/>,
    /// padding-free: the rows' examples are laid end to end in one row of their total length, each its own segment.
    /// Attention runs per segment, so the row a packed example sat in changes nothing but the order; the rows still
    /// decide which examples share a forward pass (at most micro batch × <c>max_seq_length</c> tokens), while padding
    /// each row to the longest would spend compute on positions no example holds.
    /// </summary>
    public static TrainingBatch CollatePacked(IReadOnlyList<IReadOnlyList<TokenRecord>> rows, Device device)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var examples = rows.SelectMany(row => row).ToList();
        var layout = Layout.Build([examples]);
        return new TrainingBatch(
            tensor(layout.Ids, [layout.Rows, layout.Length], device: device),
            null,
            tensor(layout.Positions, [layout.Rows, layout.Length], device: device),
            tensor(layout.LabelPositions.ToArray(), device: device),
            tensor(layout.Targets.ToArray(), device: device),
            layout.Tokens,
            new PackedSegments([examples.Select(e => e.InputIds.Count).ToList()], (int)layout.Length));
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
    /// Host-side layout of rows of examples: ids, the padding mask (1 for tokens), positions within the example, and
    /// the label positions with their targets.
    /// </summary>
    private sealed record Layout(long Rows, long Length, long[] Ids, long[] TokenMask, long[] Positions,
        List<long> LabelPositions, List<long> Targets, long Tokens)
    {
        public static Layout Build(IReadOnlyList<IReadOnlyList<TokenRecord>> rows)
        {
            var length = rows.Max(r => r.Sum(e => e.InputIds.Count));
            var ids = new long[rows.Count * length];
            var tokenMask = new long[rows.Count * length];
            var positions = new long[rows.Count * length];
            var labelPositions = new List<long>();
            var targets = new List<long>();
            long tokens = 0;
            for (var row = 0; row < rows.Count; row++)
            {
                var offset = 0;
                foreach (var record in rows[row])
                {
                    var start = (long)row * length + offset;
                    for (var t = 0; t < record.InputIds.Count; t++)
                    {
                        ids[start + t] = record.InputIds[t];
                        tokenMask[start + t] = 1;
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
                }
            }
            return new Layout(rows.Count, length, ids, tokenMask, positions, labelPositions, targets, tokens);
        }
    }
}
