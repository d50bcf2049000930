namespace LoraPipeline.Data;

/// <summary>A tokenized example: prompt tokens then answer tokens and the end-of-turn token; labels are
/// the positions from <see cref="LabelStart"/> to the end (answer-only loss, end token included).</summary>
/// <param name="Id">Example id.</param>
/// <param name="InputIds">All token ids.</param>
/// <param name="LabelStart">Index of the first answer token.</param>
internal sealed record EncodedExample(string Id, IReadOnlyList<int> InputIds, int LabelStart);
