namespace LoraPipeline.DatasetGenerator.Model;

/// <summary>Paraphrased questions whose answer is one fact of one document.</summary>
/// <param name="DocumentId">The document that states the fact.</param>
/// <param name="FactKey">The fact's key within that document.</param>
/// <param name="Paraphrases">Two or more wordings of the same question.</param>
public sealed record FactQuestions(string DocumentId, string FactKey, IReadOnlyList<string> Paraphrases);
