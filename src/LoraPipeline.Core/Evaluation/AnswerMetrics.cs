using System.Text.RegularExpressions;
using LoraPipeline.Data;

namespace LoraPipeline.Evaluation;

/// <summary>
/// The standard extractive-QA metrics, each for one prediction against its references (best over
/// references), on a 0–1 scale; reports average them ×100.
/// </summary>
internal static partial class AnswerMetrics
{
    /// <summary>SQuAD exact match: normalised strings equal.</summary>
    public static double ExactMatch(string prediction, IEnumerable<string> references) =>
        references.Max(r => SquadText.Normalize(prediction) == SquadText.Normalize(r) ? 1.0 : 0.0);

    /// <summary>SQuAD token F1: harmonic mean of precision and recall of the multiset overlap of normalised tokens.</summary>
    public static double TokenF1(string prediction, IEnumerable<string> references) =>
        references.Max(r => F1(SquadText.Tokens(prediction), SquadText.Tokens(r)));

    /// <summary>ROUGE-L F-measure: longest common subsequence of lower-cased alphanumeric tokens.</summary>
    public static double RougeL(string prediction, IEnumerable<string> references) =>
        references.Max(r => LcsF(RougeTokens(prediction), RougeTokens(r)));

    private static double F1(IReadOnlyList<string> prediction, IReadOnlyList<string> reference)
    {
        if (prediction.Count == 0 || reference.Count == 0)
            return prediction.Count == reference.Count ? 1.0 : 0.0; // both empty match, as in the SQuAD v2 script
        var counts = reference.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var common = 0;
        foreach (var token in prediction)
        {
            if (counts.TryGetValue(token, out var left) && left > 0)
            {
                counts[token] = left - 1;
                common++;
            }
        }
        if (common == 0) return 0.0;
        var precision = common / (double)prediction.Count;
        var recall = common / (double)reference.Count;
        return 2 * precision * recall / (precision + recall);
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    /// <summary>Tokens as the reference ROUGE implementation makes them: lower-case, non-alphanumerics as separators.</summary>
    public static IReadOnlyList<string> RougeTokens(string text) =>
        NonAlphanumeric().Split(text.ToLowerInvariant()).Where(t => t.Length > 0).ToList();

    private static double LcsF(IReadOnlyList<string> prediction, IReadOnlyList<string> reference)
    {
        if (prediction.Count == 0 || reference.Count == 0) return 0.0;
        var table = new int[prediction.Count + 1, reference.Count + 1];
        for (var i = 1; i <= prediction.Count; i++)
            for (var j = 1; j <= reference.Count; j++)
                table[i, j] = prediction[i - 1] == reference[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        var lcs = table[prediction.Count, reference.Count];
        if (lcs == 0) return 0.0;
        var precision = lcs / (double)prediction.Count;
        var recall = lcs / (double)reference.Count;
        return 2 * precision * recall / (precision + recall);
    }
}
