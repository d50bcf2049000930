namespace LoraPipeline.DatasetGenerator.Model;

/// <summary>The whole generated dataset: documents in id order and question/answer pairs in a stable order.</summary>
/// <param name="Name">Dataset name, also the folder name under datasets/.</param>
/// <param name="Description">One-paragraph description for dataset.json and the README.</param>
/// <param name="RefusalAnswer">The fixed answer of every unanswerable question.</param>
/// <param name="Documents">The knowledge base.</param>
/// <param name="Pairs">The question/answer pairs.</param>
public sealed record Dataset(
    string Name,
    string Description,
    string RefusalAnswer,
    IReadOnlyList<SourceDocument> Documents,
    IReadOnlyList<QaPair> Pairs);
