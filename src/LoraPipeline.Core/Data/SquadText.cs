using System.Text;

namespace LoraPipeline.Data;

/// <summary>The SQuAD answer normalisation: lower-case, strip ASCII punctuation, drop the articles a/an/the as words, collapse whitespace. Used by Prepare (leaked-question check) and Evaluate (answer metrics).</summary>
internal static class SquadText
{
    private static readonly HashSet<string> Articles = ["a", "an", "the"];

    /// <summary>Normalises a string.</summary>
    public static string Normalize(string text) => string.Join(' ', Tokens(text));

    /// <summary>Normalised tokens (the words of <see cref="Normalize"/>).</summary>
    public static IReadOnlyList<string> Tokens(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
            if (!(c < 128 && char.IsPunctuation(c) || c < 128 && char.IsSymbol(c))) sb.Append(c);
        return sb.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => !Articles.Contains(w)).ToList();
    }
}
