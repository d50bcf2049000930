namespace LoraPipeline.Data;

/// <summary>A retrievable passage of a document.</summary>
/// <param name="Id">Stable id: <c>{document}#{index}</c>.</param>
/// <param name="DocumentId">The document.</param>
/// <param name="Index">Position within the document.</param>
/// <param name="Text">The passage text.</param>
/// <param name="Tokens">Its length in model tokens.</param>
internal sealed record Chunk(string Id, string DocumentId, int Index, string Text, int Tokens);
