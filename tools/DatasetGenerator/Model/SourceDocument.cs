namespace LoraPipeline.DatasetGenerator.Model;

/// <summary>A rendered knowledge-base document and the facts (answer spans) it states.</summary>
/// <param name="Id">Stable id; also the file name without extension.</param>
/// <param name="Markdown">The full Markdown text, ending with a newline.</param>
/// <param name="Facts">Fact key to the exact span of <paramref name="Markdown"/> that states it.</param>
public sealed record SourceDocument(string Id, string Markdown, IReadOnlyDictionary<string, string> Facts);
