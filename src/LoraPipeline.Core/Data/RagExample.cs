namespace LoraPipeline.Data;

/// <summary>An example with its context, before rendering and tokenization.</summary>
/// <param name="Id">The question's id.</param>
/// <param name="Group">Paraphrase group.</param>
/// <param name="Split">Assigned split.</param>
/// <param name="Question">The question.</param>
/// <param name="Answer">Target answer (the refusal when the context lacks the answer).</param>
/// <param name="Passages">Context passages in prompt order.</param>
/// <param name="ContextIds">Ids of the passages.</param>
/// <param name="Answerable">True when the context holds the answer.</param>
/// <param name="OracleRemoved">True when the oracle passage was removed on purpose (the model learns to refuse).</param>
/// <param name="OracleIds">Ids of the passages that hold the answer (never truncated away).</param>
internal sealed record RagExample(string Id, string Group, Split Split, string Question, string Answer,
    IReadOnlyList<string> Passages, IReadOnlyList<string> ContextIds, bool Answerable, bool OracleRemoved,
    IReadOnlySet<string> OracleIds);
