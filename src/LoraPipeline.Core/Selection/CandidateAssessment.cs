namespace LoraPipeline.Selection;

/// <summary>One candidate judged against the use case.</summary>
/// <param name="Model">The candidate.</param>
/// <param name="Training">How it trains on the development hardware.</param>
/// <param name="Production">The best production configuration meeting the targets, else the closest miss (null when it does not fit at all).</param>
/// <param name="Curve">Its estimates through the batch sizes at the production configuration's tensor-parallel degree (for the chart).</param>
/// <param name="MeetsLatency">Whether <paramref name="Production"/> meets the latency and throughput targets.</param>
/// <param name="ContextFits">Whether the model's context holds the workload's prompt + answer.</param>
/// <param name="LicenseFits">Whether its licence is in the allowed list (true when no list is given).</param>
/// <param name="Reasons">Why, in short phrases.</param>
internal sealed record CandidateAssessment(
    CatalogueModel Model, TrainingFit Training, ServingPoint? Production, IReadOnlyList<ServingPoint> Curve,
    bool MeetsLatency, bool ContextFits, bool LicenseFits, IReadOnlyList<string> Reasons)
{
    /// <summary>Everything holds: it trains on dev, serves within the targets, its context and licence fit.</summary>
    public bool MeetsTargets => MeetsLatency && ContextFits && LicenseFits && Training.Kind != "no";
}
