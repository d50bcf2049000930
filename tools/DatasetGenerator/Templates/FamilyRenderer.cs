using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Templates;

/// <summary>Renders a <see cref="DocumentFamily"/> into documents, single-fact questions and multi-passage questions.</summary>
public static class FamilyRenderer
{
    /// <summary>One document per member, in member order.</summary>
    public static IEnumerable<SourceDocument> Documents(DocumentFamily family) =>
        family.Members.Select(member =>
        {
            var text = Placeholders.Fill(family.BodyTemplate, member.Fields).ReplaceLineEndings("\n").TrimEnd() + "\n";
            return new SourceDocument(member.Id, text, member.Fields);
        });

    /// <summary>
    /// For each member and asked field, two or three of the field's paraphrase templates (drawn with
    /// <paramref name="random"/>, kept in template order) so groups differ in size and wording.
    /// </summary>
    public static IEnumerable<FactQuestions> QuestionGroups(DocumentFamily family, Random random)
    {
        foreach (var member in family.Members)
        {
            foreach (var field in family.Questions)
            {
                var count = field.Templates.Length <= 2 ? field.Templates.Length : random.Next(2, Math.Min(3, field.Templates.Length) + 1);
                var chosen = Enumerable.Range(0, field.Templates.Length).OrderBy(_ => random.Next()).Take(count).Order();
                // Templates may name any field of the member, not only its subject: "Which release introduced {feature}?"
                var values = new Dictionary<string, string>(member.Fields) { ["subject"] = member.Subject };
                yield return new FactQuestions(member.Id, field.Field, [.. chosen.Select(i => Placeholders.Fill(field.Templates[i], values))]);
            }
        }
    }

    /// <summary>
    /// Multi-passage questions: for each pair template, distinct member pairs (drawn with <paramref name="random"/>)
    /// whose values differ, answered "first and second" with both parts verbatim spans of their documents.
    /// </summary>
    public static IEnumerable<QaPair> PairQuestions(DocumentFamily family, Random random)
    {
        foreach (var pairQuestions in family.PairQuestions)
        {
            var candidates =
                (from a in Enumerable.Range(0, family.Members.Count)
                 from b in Enumerable.Range(0, family.Members.Count)
                 where a < b && family.Members[a].Fields[pairQuestions.Field] != family.Members[b].Fields[pairQuestions.Field]
                 select (First: family.Members[a], Second: family.Members[b])).ToList();
            if (candidates.Count < pairQuestions.PairCount)
                throw new InvalidOperationException($"{family.Name}: only {candidates.Count} pairs differ in '{pairQuestions.Field}'");
            var pairs = candidates.OrderBy(_ => random.Next()).Take(pairQuestions.PairCount);
            foreach (var (first, second) in pairs)
            {
                var group = $"multi.{pairQuestions.Field}.{first.Id}.{second.Id}";
                var answer = $"{first.Fields[pairQuestions.Field]} and {second.Fields[pairQuestions.Field]}";
                var subjects = new Dictionary<string, string> { ["first"] = first.Subject, ["second"] = second.Subject };
                for (var i = 0; i < pairQuestions.Templates.Length; i++)
                    yield return new QaPair($"{group}.{i + 1}", Placeholders.Fill(pairQuestions.Templates[i], subjects), answer, [first.Id, second.Id], group, QaKind.Multi);
            }
        }
    }
}
