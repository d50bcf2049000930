using LoraPipeline.DatasetGenerator.Facts;
using LoraPipeline.DatasetGenerator.Model;
using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator;

/// <summary>Assembles the acme dataset from the facts and checks it before anything is written.</summary>
public static class DatasetBuilder
{
    /// <summary>The seed of the only source of choices (paraphrase subsets, multi-passage pairs).</summary>
    public const int DefaultSeed = 20240611;

    private static readonly DocumentFamily[] Families = [Gateways.Family, Sensors.Family, ConsoleReleases.Family, Offices.Family];

    private static readonly AuthoredDocument[] Authored = [.. HrPolicies.Documents, .. ItSecurityPolicies.Documents, .. Procedures.Documents];

    /// <summary>Builds the dataset; the same seed always gives the same dataset.</summary>
    /// <exception cref="InvalidOperationException">The facts are inconsistent (an answer that is not a span of its source, a duplicate id...).</exception>
    public static Dataset Build(int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var documents = Families.SelectMany(FamilyRenderer.Documents).Concat(Authored.Select(document => document.Render())).ToList();
        var byId = new Dictionary<string, SourceDocument>(StringComparer.Ordinal);
        foreach (var document in documents)
            if (!byId.TryAdd(document.Id, document)) throw new InvalidOperationException($"Duplicate document id '{document.Id}'");

        // Draw from the random source in one fixed order (families, then pairs) so that adding an authored document
        // leaves every templated group unchanged.
        var groups = Families.SelectMany(family => FamilyRenderer.QuestionGroups(family, random)).ToList();
        var multi = Families.SelectMany(family => FamilyRenderer.PairQuestions(family, random)).ToList();
        groups.AddRange(Authored.SelectMany(document => document.QuestionGroups()));

        var pairs = new List<QaPair>();
        foreach (var group in groups.OrderBy(group => documents.IndexOf(byId[group.DocumentId])))
        {
            var groupId = $"{group.DocumentId}.{group.FactKey}";
            var answer = byId[group.DocumentId].Facts[group.FactKey];
            for (var i = 0; i < group.Paraphrases.Count; i++)
                pairs.Add(new QaPair($"{groupId}.{i + 1}", group.Paraphrases[i], answer, [group.DocumentId], groupId, QaKind.Single));
        }
        pairs.AddRange(multi);
        foreach (var (slug, paraphrases) in UnanswerableQuestions.Groups)
        {
            var groupId = $"unanswerable.{slug}";
            for (var i = 0; i < paraphrases.Length; i++)
                pairs.Add(new QaPair($"{groupId}.{i + 1}", paraphrases[i], UnanswerableQuestions.RefusalAnswer, [], groupId, QaKind.Unanswerable));
        }

        var dataset = new Dataset(
            "acme",
            "A fictional company's knowledge base (HR, IT and security policies, product specifications, procedures, release notes and site guides) "
            + "with short extractive question/answer pairs for training and evaluating retrieval-augmented question answering.",
            UnanswerableQuestions.RefusalAnswer,
            [.. documents.OrderBy(document => document.Id, StringComparer.Ordinal)],
            pairs);
        DatasetValidator.Validate(dataset);
        return dataset;
    }
}
