namespace LoraPipeline.Evaluation;

/// <summary>One line of <c>predictions.jsonl</c>: a test example answered by the base model and by base + adapter.</summary>
/// <param name="Id">Example id.</param>
/// <param name="Question">The question.</param>
/// <param name="Reference">Reference answer.</param>
/// <param name="Answerable">True when the context holds the answer.</param>
/// <param name="BasePrediction">Base model's greedy answer.</param>
/// <param name="AdapterPrediction">Adapter's greedy answer.</param>
/// <param name="BaseTokenF1">Base token F1 (0–1).</param>
/// <param name="AdapterTokenF1">Adapter token F1 (0–1).</param>
/// <param name="AdapterExactMatch">Adapter exact match (0 or 1).</param>
/// <param name="AdapterGrounded">Adapter answer's content words all in the context (null for refusals).</param>
internal sealed record Prediction(string Id, string Question, string Reference, bool Answerable, string BasePrediction, string AdapterPrediction,
    double BaseTokenF1, double AdapterTokenF1, double AdapterExactMatch, bool? AdapterGrounded);
