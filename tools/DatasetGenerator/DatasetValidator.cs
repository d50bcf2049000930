using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator;

/// <summary>Refuses a dataset whose answers are not spans of their sources, so a bad edit to the facts fails the generator, not training.</summary>
public static class DatasetValidator
{
    /// <summary>Throws on the first inconsistency found.</summary>
    /// <exception cref="InvalidOperationException">Describes the offending pair or document.</exception>
    public static void Validate(Dataset dataset)
    {
        var documents = dataset.Documents.ToDictionary(document => document.Id, StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in dataset.Pairs)
        {
            if (!ids.Add(pair.Id)) throw new InvalidOperationException($"Duplicate question id '{pair.Id}'");
            foreach (var source in pair.Source)
                if (!documents.ContainsKey(source)) throw new InvalidOperationException($"{pair.Id}: unknown source '{source}'");
            switch (pair.Kind)
            {
                case QaKind.Single:
                    RequireSpan(pair, pair.Answer, documents);
                    break;
                case QaKind.Multi:
                    var parts = pair.Answer.Split(" and ");
                    if (parts.Length != pair.Source.Count) throw new InvalidOperationException($"{pair.Id}: answer '{pair.Answer}' does not split into one part per source");
                    for (var i = 0; i < parts.Length; i++)
                        if (!documents[pair.Source[i]].Markdown.Contains(parts[i], StringComparison.Ordinal))
                            throw new InvalidOperationException($"{pair.Id}: '{parts[i]}' is not a span of {pair.Source[i]}");
                    break;
                case QaKind.Unanswerable:
                    if (pair.Source.Count != 0 || pair.Answer != dataset.RefusalAnswer)
                        throw new InvalidOperationException($"{pair.Id}: an unanswerable question needs no source and the refusal answer");
                    break;
            }
            if (pair.Kind != QaKind.Unanswerable && pair.Answer.Contains('\n'))
                throw new InvalidOperationException($"{pair.Id}: answers are single-line spans");
        }
    }

    private static void RequireSpan(QaPair pair, string answer, Dictionary<string, SourceDocument> documents)
    {
        if (pair.Source.Count != 1 || !documents[pair.Source[0]].Markdown.Contains(answer, StringComparison.Ordinal))
            throw new InvalidOperationException($"{pair.Id}: '{answer}' is not a span of {string.Join(", ", pair.Source)}");
    }
}
