namespace LoraPipeline.Modeling;

/// <summary>
/// Where each packed example lies in its row: per row, the lengths of its consecutive segments (examples, and any
/// padding tail), summing to the row length; training's packed batches are one unpadded row (<c>TrainingBatch</c>).
/// Attention runs causally inside each segment only, one kernel call per segment with <c>is_causal</c> and no mask tensor — what flash-attention's variable-length kernels do for TRL's
/// padding-free packing — so no token sees another example, no s × s mask exists, and a row of short examples costs
/// Σ len² attention work instead of s².
/// </summary>
internal sealed class PackedSegments
{
    /// <summary>Validates that every row's segments are positive and sum to <paramref name="rowLength"/>.</summary>
    public PackedSegments(IReadOnlyList<IReadOnlyList<int>> rows, int rowLength)
    {
        ArgumentNullException.ThrowIfNull(rows);
        for (var r = 0; r < rows.Count; r++)
            if (rows[r].Any(l => l < 1) || rows[r].Sum() != rowLength)
                throw new ArgumentException($"packed row {r}: segments [{string.Join(", ", rows[r])}] must be positive and sum to the row length {rowLength}", nameof(rows));
        Rows = rows;
        RowLength = rowLength;
    }

    /// <summary>Segment lengths per row.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Rows { get; }

    /// <summary>Tokens per row.</summary>
    public int RowLength { get; }
}
