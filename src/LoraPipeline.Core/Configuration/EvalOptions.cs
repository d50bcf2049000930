using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>eval</c> section: holdout evaluation and the release gate. A null threshold is not checked.</summary>
internal sealed class EvalOptions
{
    /// <summary>Prompts per batched generation.</summary>
    [Description("prompts per batched generation"), Range(1, 4096)]
    public int BatchSize { get; set; } = 8;

    /// <summary>Longest generated answer.</summary>
    [Description("longest generated answer in tokens"), Range(1, 65536)]
    public int MaxNewTokens { get; set; } = 48;

    /// <summary>Evaluate at most this many test examples (0 = all).</summary>
    [Description("evaluate at most N test examples, 0 = all"), Range(0, 10_000_000)]
    public int MaxExamples { get; set; }

    /// <summary>Gate: highest acceptable adapter holdout loss.</summary>
    [Description("gate: highest acceptable adapter holdout loss"), Range(0.0, 1e6)]
    public double? MaxEvalLoss { get; set; }

    /// <summary>Gate: smallest relative loss improvement over the base model (0.1 = 10 %).</summary>
    [Description("gate: smallest relative loss improvement over the base model"), Range(-1.0, 1.0)]
    public double? MinLossImprovement { get; set; } = 0.0;

    /// <summary>Gate: smallest exact match (0-100).</summary>
    [Description("gate: smallest exact match, 0-100"), Range(0.0, 100.0)]
    public double? MinExactMatch { get; set; }

    /// <summary>Gate: smallest refusal accuracy (0-100).</summary>
    [Description("gate: smallest refusal accuracy, 0-100"), Range(0.0, 100.0)]
    public double? MinRefusalAccuracy { get; set; }

    /// <summary>Gate: previous report to compare with: a path to a <c>report.json</c> (its content is part of the Evaluate
    /// fingerprint), or <c>release:TAG</c> / <c>release:latest</c>, whose <c>report.json</c> is fetched from GitHub when the stage
    /// runs; for a release the fingerprint holds this literal value, not the fetched file (see <c>EvaluateStage</c>).</summary>
    [Description("gate: previous report.json path or release:TAG")]
    public string? Baseline { get; set; }

    /// <summary>Gate: largest relative regression against the baseline.</summary>
    [Description("gate: largest relative regression against the baseline"), Range(0.0, 10.0)]
    public double MaxRegression { get; set; } = 0.02;
}
