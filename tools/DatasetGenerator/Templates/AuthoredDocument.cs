using System.Text.RegularExpressions;
using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Templates;

/// <summary>
/// A hand-written document whose answer spans are marked inline as <c>[[key|span]]</c>, with the questions
/// for each key. Marking spans in the prose itself is what guarantees answers are verbatim spans.
/// </summary>
/// <param name="Id">Document id.</param>
/// <param name="MarkedMarkdown">Markdown with <c>[[key|span]]</c> markers.</param>
/// <param name="Questions">Fact key to its question paraphrases.</param>
public sealed partial record AuthoredDocument(string Id, string MarkedMarkdown, IReadOnlyDictionary<string, string[]> Questions)
{
    /// <summary>Strips the markers, returning the document and its facts.</summary>
    /// <exception cref="InvalidOperationException">A key is marked twice, or a question names an unmarked key.</exception>
    public SourceDocument Render()
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = MarkerPattern().Replace(MarkedMarkdown, match =>
        {
            var key = match.Groups[1].Value;
            var span = match.Groups[2].Value;
            if (!facts.TryAdd(key, span)) throw new InvalidOperationException($"{Id}: fact '{key}' is marked twice");
            return span;
        });
        foreach (var key in Questions.Keys)
            if (!facts.ContainsKey(key)) throw new InvalidOperationException($"{Id}: questions name unmarked fact '{key}'");
        return new SourceDocument(Id, text.ReplaceLineEndings("\n").TrimEnd() + "\n", facts);
    }

    /// <summary>The question groups of this document, in the order they were written.</summary>
    public IEnumerable<FactQuestions> QuestionGroups() =>
        Questions.Select(entry => new FactQuestions(Id, entry.Key, entry.Value));

    [GeneratedRegex(@"\[\[([a-z0-9_]+)\|([^\]|]+)\]\]")]
    private static partial Regex MarkerPattern();
}
