using System.Globalization;

namespace LoraPipeline.Selection;

/// <summary>
/// Judges every candidate against a <see cref="SelectionRequest"/> and ranks them: candidates that meet everything
/// first; among equals, LoRA before QLoRA before not training, then the user's benchmark score (higher first), then
/// size (more parameters first, size standing in for quality when no score is given), then name.
/// </summary>
internal static class Selector
{
    /// <summary>The candidates ranked, best first.</summary>
    public static IReadOnlyList<CandidateAssessment> Rank(IEnumerable<CatalogueModel> candidates, SelectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return candidates.Select(m => Assess(m, request))
            .OrderByDescending(a => a.MeetsTargets)
            .ThenByDescending(a => a.MeetsLatency && a.ContextFits && a.LicenseFits)
            .ThenBy(a => a.Training.Kind switch { "lora" => 0, "qlora" => 1, _ => 2 })
            .ThenByDescending(a => a.Model.BenchmarkScore ?? double.NegativeInfinity)
            .ThenByDescending(a => a.Model.TotalParameters)
            .ThenBy(a => a.Model.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>One candidate's assessment.</summary>
    public static CandidateAssessment Assess(CatalogueModel model, SelectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        var reasons = new List<string>();
        var seq = Math.Min(request.Training.SeqLength, model.ContextLength);
        var training = TrainingFit.Assess(model, request.Dev, request.Training with { SeqLength = seq });
        reasons.Add(training.Reason);
        var points = ServingEstimator.All(model, request.Prod, request.Workload);
        var meeting = points.Where(p => request.Target.IsMetBy(p.AsBenchPoint(request.Workload.PromptTokens, request.Workload.NewTokens))).ToList();
        // Meeting the targets: the most tokens/s, then fewer GPUs. Missing: the smallest worst miss.
        var production = meeting.Count > 0
            ? meeting.OrderByDescending(p => p.TokensPerSecond).ThenBy(p => p.Gpus).First()
            : points.OrderBy(p => SelectionTargets.Miss(request.Target, p)).ThenByDescending(p => p.TokensPerSecond).FirstOrDefault();
        if (production is null)
            reasons.Add($"does not fit {request.Prod} for serving at {request.Workload.ContextLength} tokens of context");
        else
            reasons.Add(string.Create(CultureInfo.InvariantCulture,
                $"{(meeting.Count > 0 ? "meets" : "misses")} {request.Target.Describe()} on {request.Prod}: TP {production.TensorParallel} × {production.Replicas} replica(s), " +
                $"batch {production.Batch}: {production.TokenMilliseconds:0.#} ms/token, first token {production.FirstTokenMilliseconds:0} ms, {production.TokensPerSecond:0} tokens/s ({production.Bound}-bound)"));
        var contextFits = model.ContextLength >= request.Workload.ContextLength;
        if (!contextFits) reasons.Add($"context {model.ContextLength} < {request.Workload.ContextLength} tokens needed");
        var licenseFits = request.Licenses.Count == 0 || request.Licenses.Contains(model.License, StringComparer.OrdinalIgnoreCase);
        if (!licenseFits) reasons.Add($"licence {model.License} is not in {string.Join(", ", request.Licenses)}");
        if (model.Gated) reasons.Add("gated on the Hub: accept its terms and set HF_TOKEN");
        var curve = production is null ? [] : points.Where(p => p.TensorParallel == production.TensorParallel).OrderBy(p => p.Batch).ToList();
        return new CandidateAssessment(model, training, production, curve, meeting.Count > 0, contextFits, licenseFits, reasons);
    }
}
