namespace LoraPipeline.Evaluation;

/// <summary>Aggregates per-example answers into the report's metrics (0–100 scales, loss in nats per answer token).</summary>
internal static class MetricSummary
{
    /// <summary>One answered example.</summary>
    /// <param name="Prediction">Generated answer.</param>
    /// <param name="Reference">Reference answer.</param>
    /// <param name="Answerable">True when the context holds the answer.</param>
    /// <param name="Context">The context passages.</param>
    public sealed record Answered(string Prediction, string Reference, bool Answerable, IReadOnlyList<string> Context);

    /// <summary>The metrics of one model.</summary>
    public static Dictionary<string, double> Compute(double loss, IReadOnlyList<Answered> answers, string refusal)
    {
        double Mean(IEnumerable<double> values) { var list = values.ToList(); return list.Count == 0 ? double.NaN : 100 * list.Average(); }
        var unanswerable = answers.Where(a => !a.Answerable).ToList();
        var answerable = answers.Where(a => a.Answerable).ToList();
        var attempted = answers.Where(a => !RagMetrics.IsRefusal(a.Prediction, refusal)).ToList();
        return new Dictionary<string, double>
        {
            ["loss"] = loss,
            ["perplexity"] = Math.Exp(loss),
            ["exact_match"] = Mean(answers.Select(a => AnswerMetrics.ExactMatch(a.Prediction, [a.Reference]))),
            ["token_f1"] = Mean(answers.Select(a => AnswerMetrics.TokenF1(a.Prediction, [a.Reference]))),
            ["rouge_l"] = Mean(answers.Select(a => AnswerMetrics.RougeL(a.Prediction, [a.Reference]))),
            ["exact_match_answerable"] = Mean(answerable.Select(a => AnswerMetrics.ExactMatch(a.Prediction, [a.Reference]))),
            ["refusal_accuracy"] = Mean(unanswerable.Select(a => RagMetrics.IsRefusal(a.Prediction, refusal) ? 1.0 : 0.0)),
            ["false_refusal_rate"] = Mean(answerable.Select(a => RagMetrics.IsRefusal(a.Prediction, refusal) ? 1.0 : 0.0)),
            ["grounding_rate"] = Mean(attempted.Select(a => RagMetrics.IsGrounded(a.Prediction, a.Context) ? 1.0 : 0.0)),
        };
    }
}
