using LoraPipeline.Data;

namespace LoraPipeline.Evaluation;

/// <summary>Metrics specific to retrieval-augmented answers: refusals and grounding in the supplied context.</summary>
internal static class RagMetrics
{
    // Function words that carry no content; an answer is grounded when its other words are in the context.
    private static readonly HashSet<string> StopWords =
    [
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "is", "are", "was", "were", "be",
        "it", "its", "this", "that", "as", "from", "per", "than", "each", "every", "any", "all",
    ];

    /// <summary>True when the prediction is the refusal sentence (compared after SQuAD normalisation; a prediction
    /// that starts with the refusal also counts).</summary>
    public static bool IsRefusal(string prediction, string refusal)
    {
        var p = SquadText.Normalize(prediction);
        var r = SquadText.Normalize(refusal);
        return p.Length > 0 && (p == r || p.StartsWith(r, StringComparison.Ordinal));
    }

    /// <summary>Content words of a text: normalised tokens minus stop words.</summary>
    public static IReadOnlyList<string> ContentWords(string text) => SquadText.Tokens(text).Where(t => !StopWords.Contains(t)).ToList();

    /// <summary>Share (0–1) of the answer's content words that occur in the context; 1 for an answer without content words.</summary>
    public static double GroundedShare(string answer, IEnumerable<string> context)
    {
        var words = ContentWords(answer);
        if (words.Count == 0) return 1.0;
        var vocabulary = context.SelectMany(SquadText.Tokens).ToHashSet();
        return words.Count(vocabulary.Contains) / (double)words.Count;
    }

    /// <summary>True when every content word of the answer occurs in the context.</summary>
    public static bool IsGrounded(string answer, IEnumerable<string> context) => GroundedShare(answer, context) >= 1.0;
}
