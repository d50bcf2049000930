namespace LoraPipeline.DatasetGenerator.Templates;

/// <summary>
/// Look-alike documents rendered from one Markdown template, one per member. Look-alikes are the point:
/// two spec sheets that differ only in their numbers are the distractors retrieval has to tell apart.
/// </summary>
/// <param name="Name">Family name, used in group ids of multi-passage questions.</param>
/// <param name="BodyTemplate">Markdown with <c>{field}</c> placeholders filled from each member's fields.</param>
/// <param name="Questions">Question paraphrase templates per field; <c>{subject}</c> names the member.</param>
/// <param name="PairQuestions">Multi-passage question templates comparing one field of two members.</param>
/// <param name="Members">The documents of the family.</param>
public sealed record DocumentFamily(
    string Name,
    string BodyTemplate,
    IReadOnlyList<FieldQuestions> Questions,
    IReadOnlyList<PairQuestions> PairQuestions,
    IReadOnlyList<FamilyMember> Members);

/// <summary>One document of a <see cref="DocumentFamily"/>.</summary>
/// <param name="Id">Document id.</param>
/// <param name="Subject">How questions name this member, e.g. "the ACME-X200".</param>
/// <param name="Fields">Values for the template's placeholders; every value lands verbatim in the text.</param>
public sealed record FamilyMember(string Id, string Subject, IReadOnlyDictionary<string, string> Fields);

/// <summary>Paraphrase templates for questions answered by one field.</summary>
/// <param name="Field">The field whose value is the answer.</param>
/// <param name="Templates">Question wordings with a <c>{subject}</c> placeholder (or any other field); two or three are drawn per member.</param>
public sealed record FieldQuestions(string Field, params string[] Templates);

/// <summary>Paraphrase templates for a question that asks for one field of two members at once.</summary>
/// <param name="Field">The field compared.</param>
/// <param name="PairCount">How many member pairs to draw.</param>
/// <param name="Templates">Question wordings with <c>{first}</c> and <c>{second}</c> placeholders; all are used.</param>
public sealed record PairQuestions(string Field, int PairCount, params string[] Templates);
