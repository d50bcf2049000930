namespace LoraPipeline.Training;

/// <summary>
/// The order examples are visited in when several training files are mixed, as NeMo's <c>BlendableDataset</c> does it:
/// the k-th example comes from the file whose count so far lags its share p_i of k the most (NeMo's
/// <c>build_blending_indices</c>, ties to the first file), so every prefix of the order holds each file within one example
/// of p_i; within a file, examples follow that file's own seeded permutation, epoch after epoch. Everything depends only
/// on (train.seed, k), so a resumed run sees exactly the data the uninterrupted one would.
/// </summary>
internal sealed class BlendedOrder
{
    private readonly double[] _probabilities;
    private readonly int[] _offsets;
    private readonly ExampleOrder[] _orders;
    private readonly List<(int File, int Draw)> _sequence = [];
    private readonly long[] _counts;

    /// <summary>An order over files of <paramref name="sizes"/> examples, laid end to end, mixed by <paramref name="probabilities"/>.</summary>
    public BlendedOrder(IReadOnlyList<int> sizes, IReadOnlyList<double> probabilities, int seed)
    {
        _probabilities = [.. probabilities];
        _offsets = new int[sizes.Count];
        for (var i = 1; i < sizes.Count; i++) _offsets[i] = _offsets[i - 1] + sizes[i - 1];
        // Each file its own permutation stream; file 0 keeps the seed, so one file alone is the unmixed order.
        _orders = [.. sizes.Select((n, i) => new ExampleOrder(n, unchecked(seed + i * 104_729)))];
        _counts = new long[sizes.Count];
    }

    /// <summary>The file the <paramref name="k"/>-th example comes from.</summary>
    public int FileAt(long k)
    {
        Extend(k);
        return _sequence[(int)k].File;
    }

    /// <summary>Index of the <paramref name="k"/>-th example (0-based) in the files laid end to end.</summary>
    public int At(long k)
    {
        Extend(k);
        var (file, draw) = _sequence[(int)k];
        return _offsets[file] + _orders[file].At(draw);
    }

    /// <summary>How many of the first <paramref name="n"/> examples come from each file.</summary>
    public long[] Counts(long n)
    {
        var counts = new long[_probabilities.Length];
        for (long k = 0; k < n; k++) counts[FileAt(k)]++;
        return counts;
    }

    private void Extend(long k)
    {
        while (_sequence.Count <= k)
        {
            var position = Math.Max(_sequence.Count, 1.0);
            var best = 0;
            var bestError = double.NegativeInfinity;
            for (var i = 0; i < _probabilities.Length; i++)
            {
                var error = _probabilities[i] * position - _counts[i];
                if (error > bestError) (best, bestError) = (i, error);
            }
            _sequence.Add((best, (int)_counts[best]));
            _counts[best]++;
        }
    }
}
