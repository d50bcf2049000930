using System.Globalization;

namespace LoraPipeline.Tokenization;

/// <summary>Cuts text into plain segments and added tokens, leftmost-longest, as Hugging Face's tokenizers do
/// (with <c>lstrip</c>/<c>rstrip</c> absorbing neighbouring whitespace and <c>single_word</c> requiring word boundaries).</summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>One piece of the input: a plain range (Token is null) or an added token covering a range.</summary>
    public readonly record struct Piece(int Start, int Length, AddedToken? Token);

    public void Split(string text, List<Piece> pieces)
    {
        pieces.Clear();
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!_byFirstChar.TryGetValue(text[i], out var candidates) || Match(text, i, candidates) is not { } token)
            {
                i++;
                continue;
            }
            var start = i;
            var end = i + token.Content.Length;
            if (token.LStrip) while (start > plainStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > plainStart) pieces.Add(new Piece(plainStart, start - plainStart, null));
            pieces.Add(new Piece(start, end - start, token));
            plainStart = i = end;
        }
        if (plainStart < text.Length) pieces.Add(new Piece(plainStart, text.Length - plainStart, null));
    }

    private static AddedToken? Match(string text, int at, AddedToken[] candidates)
    {
        foreach (var token in candidates)
        {
            if (string.CompareOrdinal(text, at, token.Content, 0, token.Content.Length) != 0) continue;
            if (token.SingleWord && !(IsBoundary(text, at - 1) && IsBoundary(text, at + token.Content.Length))) continue;
            return token;
        }
        return null;
    }

    private static bool IsBoundary(string text, int index) =>
        index < 0 || index >= text.Length || !(char.IsLetterOrDigit(text[index]) || text[index] == '_' ||
                                               CharUnicodeInfo.GetUnicodeCategory(text[index]) == UnicodeCategory.NonSpacingMark);
}
