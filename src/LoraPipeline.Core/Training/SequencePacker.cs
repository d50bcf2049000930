using LoraPipeline.Data;

namespace LoraPipeline.Training;

/// <summary>
/// Packs a step's examples into rows of at most <c>data.max_seq_length</c> tokens: first-fit decreasing (longest
/// first, ties in batch order, each into the first row it fits), which leaves little padding and depends only on
/// the examples and their order, so a seed and a step give the same rows on every run and after a resume. An
/// example longer than a row gets a row of its own.
/// </summary>
internal static class SequencePacker
{
    /// <summary>The rows, each the examples it holds in the order they were placed.</summary>
    public static IReadOnlyList<IReadOnlyList<TokenRecord>> Pack(IReadOnlyList<TokenRecord> examples, int rowLength)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (rowLength < 1) throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "a row holds at least one token");
        var rows = new List<List<TokenRecord>>();
        var used = new List<int>();
        var longestFirst = examples.Select((e, i) => (Example: e, Index: i))
            .OrderByDescending(x => x.Example.InputIds.Count).ThenBy(x => x.Index);
        foreach (var (example, _) in longestFirst)
        {
            var length = example.InputIds.Count;
            var row = used.FindIndex(u => u + length <= rowLength);
            if (row < 0)
            {
                rows.Add([]);
                used.Add(0);
                row = rows.Count - 1;
            }
            rows[row].Add(example);
            used[row] += length;
        }
        return rows;
    }
}
