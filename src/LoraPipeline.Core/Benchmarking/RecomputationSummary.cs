using System.Globalization;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// The side-by-side lines of <c>lora bench memory --training</c>: for cases that differ only in their recomputation
/// field (index 11) the measured activation memory of each mode against <c>none</c>, and for cases that differ only
/// in their LM-head chunk (index 12) the measured peak with the loss in one piece against chunked.
/// </summary>
internal static class RecomputationSummary
{
    /// <summary>Goal for <c>full</c>'s activations as a share of <c>none</c>'s (issue 13).</summary>
    public const double FullGoal = 0.35;

    /// <summary>Sequence length from which the goal applies (the ~125M model at 2,048 tokens).</summary>
    public const int GoalSequence = 2048;

    /// <summary>
    /// Lines for <paramref name="measured"/>: case spec → measured bytes (activations: the peak increase minus the
    /// weights and adapter state). Cases with fewer than 13 fields are ignored.
    /// </summary>
    public static IEnumerable<string> Lines(IReadOnlyDictionary<string, double> measured)
    {
        var cases = measured.Select(p => (Fields: p.Key.Split(','), Bytes: p.Value)).Where(c => c.Fields.Length >= 13).ToList();
        foreach (var group in cases.GroupBy(c => Without(c.Fields, 11)).Where(g => g.Count() > 1 && g.Any(c => c.Fields[11] == "none")))
        {
            var none = group.First(c => c.Fields[11] == "none").Bytes;
            var others = group.Where(c => c.Fields[11] != "none").Select(c =>
            {
                var share = c.Bytes / none;
                // The goal is stated for many layers at a long sequence; with a few layers the one replayed layer weighs more.
                var goal = c.Fields[11] != "full" || int.Parse(c.Fields[8], CultureInfo.InvariantCulture) < GoalSequence ? ""
                    : share <= FullGoal ? $" (goal <= {FullGoal}: met)" : $" (goal <= {FullGoal}: NOT met)";
                return string.Create(CultureInfo.InvariantCulture, $"{c.Fields[11]} {Mib(c.Bytes)} = {share:0.000}x{goal}");
            });
            yield return $"activations measured [{group.Key}]: none {Mib(none)}; " + string.Join("; ", others);
        }
        foreach (var group in cases.GroupBy(c => Without(c.Fields, 12)).Where(g => g.Count() > 1 && g.Any(c => c.Fields[12] == "0")))
        {
            var whole = group.First(c => c.Fields[12] == "0").Bytes;
            foreach (var chunked in group.Where(c => c.Fields[12] != "0"))
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"LM-head loss [{group.Key}], {chunked.Fields[9]} answer tokens, vocab {chunked.Fields[5]}: activations with the loss in one piece " +
                    $"{Mib(whole)}, in chunks of {chunked.Fields[12]} {Mib(chunked.Bytes)} ({Mib(whole - chunked.Bytes)} less)");
        }
    }

    private static string Without(string[] fields, int index) => string.Join(',', fields.Where((_, i) => i != index));

    private static string Mib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576:0.0} MiB");
}
