namespace LoraPipeline.DatasetGenerator.Model;

/// <summary>How a question relates to the documents.</summary>
public enum QaKind
{
    /// <summary>Answered by one span of one document.</summary>
    Single,

    /// <summary>Answered by spans of two documents joined with " and ".</summary>
    Multi,

    /// <summary>Not answered by any document; the answer is the refusal sentence.</summary>
    Unanswerable,
}
