using LoraPipeline.Data;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Padding share of a training set's steps unpacked: micro batches of examples, each padded to its longest, taking
/// the examples a global batch at a time in file order as the Trainer's steps would. Packed steps have none: their
/// micro batches are one unpadded row of examples end to end (<c>TrainingBatch.CollatePacked</c>).
/// </summary>
internal static class PackingComparison
{
    /// <summary>Share of the processed row positions that are padding when the steps run unpacked.</summary>
    public static double UnpackedPaddingShare(IReadOnlyList<TokenRecord> records, int globalBatch, int microBatch)
    {
        ArgumentNullException.ThrowIfNull(records);
        long tokens = 0, slots = 0;
        for (var start = 0; start + globalBatch <= records.Count; start += globalBatch)
        {
            var step = records.Skip(start).Take(globalBatch).Select(r => (long)r.InputIds.Count).ToList();
            tokens += step.Sum();
            for (var i = 0; i < step.Count; i += microBatch)
            {
                var batch = step.Skip(i).Take(microBatch).ToList();
                slots += batch.Count * batch.Max();
            }
        }
        if (tokens == 0) throw new ArgumentException($"fewer than {globalBatch} records: no whole step to measure", nameof(records));
        return 1 - tokens / (double)slots;
    }
}
