using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>Position ids and boolean attention masks from a padding mask, with transformers' conventions.</summary>
internal static class AttentionMasks
{
    /// <summary>
    /// Position ids [batch, seq] for the last <paramref name="seq"/> of the positions covered by
    /// <paramref name="paddingMask"/> [batch, past + seq] (1 = token, 0 = padding): <c>cumsum(mask) - 1</c>, with
    /// padding set to 1, so a left-padded prompt starts at position 0. Without a mask: <c>past .. past + seq - 1</c>.
    /// </summary>
    public static Tensor PositionIds(Tensor? paddingMask, long batch, long past, long seq, Device device)
    {
        using var scope = NewDisposeScope();
        if (paddingMask is null)
            return arange(past, past + seq, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batch, seq)
                .MoveToOuterDisposeScope();
        var mask = paddingMask.to(ScalarType.Int64);
        var positions = mask.cumsum(-1) - 1;
        positions = positions.masked_fill(mask.eq(0), 1);
        return positions.narrow(1, positions.shape[1] - seq, seq).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Boolean mask [batch, 1, seq, past + seq], true where query i (at cache index past + i) may attend key j:
    /// j ≤ past + i (causal) and key j is not padding. Each query may always attend itself, so that rows of
    /// padding queries are never empty (an empty row would give NaN, which would then leak through the values).
    /// Returns null when no mask tensor is needed: without a padding mask, one query may attend every key and several
    /// queries with nothing cached need plain causal attention (the kernel's <c>is_causal</c>).
    /// </summary>
    public static Tensor? Causal(Tensor? paddingMask, long batch, long past, long seq, Device device)
    {
        if (paddingMask is null && (seq == 1 || past == 0)) return null;
        using var scope = NewDisposeScope();
        var total = past + seq;
        var queries = arange(past, total, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        var keys = arange(0, total, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var allowed = keys.le(queries).unsqueeze(0);
        if (paddingMask is not null)
        {
            var diagonal = keys.eq(queries).unsqueeze(0);
            allowed = allowed.logical_and(paddingMask.to(ScalarType.Bool).unsqueeze(1)).logical_or(diagonal);
        }
        return allowed.expand(batch, seq, total).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
