namespace LoraPipeline.DatasetGenerator.Model;

/// <summary>One question/answer line of qa.jsonl.</summary>
/// <param name="Id">Stable unique id, derived from the group and the paraphrase index.</param>
/// <param name="Question">The question text.</param>
/// <param name="Answer">A short extractive answer, or the refusal sentence.</param>
/// <param name="Source">Ids of the documents that hold the answer; empty when unanswerable.</param>
/// <param name="Group">Shared by paraphrases of one question, so splits can keep them together.</param>
/// <param name="Kind">Single, multi-passage or unanswerable.</param>
public sealed record QaPair(string Id, string Question, string Answer, IReadOnlyList<string> Source, string Group, QaKind Kind);
