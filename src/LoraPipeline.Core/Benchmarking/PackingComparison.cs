using LoraPipeline.Data;
using LoraPipeline.Training;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Padding share of a training set's steps, unpacked (micro batches of examples, each padded to its longest) and
/// packed (<see cref="SequencePacker"/> rows of the step's examples, micro batches of rows), taking the examples a
/// global batch at a time in file order as the Trainer's steps would.
/// </summary>
internal static class PackingComparison
{
    /// <summary>(unpacked, packed) share of processed row positions that are padding.</summary>
    public static (double Unpacked, double Packed) PaddingShares(IReadOnlyList<TokenRecord> records, int globalBatch, int microBatch, int rowLength)
    {
        ArgumentNullException.ThrowIfNull(records);
        long tokens = 0, unpackedSlots = 0, packedSlots = 0;
        for (var start = 0; start + globalBatch <= records.Count; start += globalBatch)
        {
            var step = records.Skip(start).Take(globalBatch).ToList();
            tokens += step.Sum(r => (long)r.InputIds.Count);
            unpackedSlots += Slots(step.Select(r => (long)r.InputIds.Count).ToList(), microBatch);
            packedSlots += Slots(SequencePacker.Pack(step, rowLength).Select(row => (long)row.Sum(r => r.InputIds.Count)).ToList(), microBatch);
        }
        if (tokens == 0) throw new ArgumentException($"fewer than {globalBatch} records: no whole step to measure", nameof(records));
        return (1 - tokens / (double)unpackedSlots, 1 - tokens / (double)packedSlots);
    }

    // Positions processed when rows of these lengths go microBatch at a time, each batch padded to its longest row.
    private static long Slots(IReadOnlyList<long> lengths, int microBatch)
    {
        long slots = 0;
        for (var i = 0; i < lengths.Count; i += microBatch)
        {
            var batch = lengths.Skip(i).Take(microBatch).ToList();
            slots += batch.Count * batch.Max();
        }
        return slots;
    }
}
