namespace LoraPipeline.Training;

/// <summary>
/// The order examples are visited in: epoch after epoch, each a seeded permutation. The k-th example of
/// training depends only on (seed, k), so a resumed run sees exactly the data the uninterrupted one would.
/// </summary>
internal sealed class ExampleOrder(int count, int seed)
{
    private readonly Dictionary<int, int[]> _epochs = [];

    /// <summary>Index of the <paramref name="k"/>-th example visited (0-based).</summary>
    public int At(long k)
    {
        var epoch = (int)(k / count);
        if (!_epochs.TryGetValue(epoch, out var permutation))
        {
            permutation = Enumerable.Range(0, count).ToArray();
            // Not HashCode.Combine: it is randomised per process.
            var random = new Random(unchecked(seed * 1_000_003 + epoch * 7919) & int.MaxValue);
            for (var i = permutation.Length - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
            }
            _epochs[epoch] = permutation;
        }
        return permutation[(int)(k % count)];
    }
}
