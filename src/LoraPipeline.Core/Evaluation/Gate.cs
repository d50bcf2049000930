using System.Globalization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Evaluation;

/// <summary>
/// The release gate over evaluation metrics: absolute thresholds, improvement over the base model, and
/// regression against a previous release's <c>report.json</c>. A metric that is missing, NaN or unreadable
/// fails its check (fail closed).
/// </summary>
internal static class Gate
{
    /// <summary>Metrics where lower is better.</summary>
    public static readonly IReadOnlySet<string> LowerIsBetter = new HashSet<string> { "loss", "perplexity", "false_refusal_rate" };

    /// <summary>Metrics compared against a baseline report.</summary>
    public static readonly IReadOnlyList<string> BaselineMetrics = ["loss", "exact_match", "token_f1", "refusal_accuracy"];

    /// <summary>Applies the configured gate.</summary>
    /// <param name="options">Thresholds (null ones are not checked).</param>
    /// <param name="baseModel">Metrics of the base model on the holdout split.</param>
    /// <param name="adapter">Metrics of base + adapter.</param>
    /// <param name="baseline">Adapter metrics of the previous release, when <c>eval.baseline</c> is set.</param>
    /// <param name="baselineSource">Where the baseline came from (a release's tag and the report's SHA-256, for example), appended to
    /// each <c>baseline.*</c> check's detail so that the report records what it was compared with; null to add nothing.</param>
    public static GateVerdict Evaluate(EvalOptions options, IReadOnlyDictionary<string, double> baseModel,
        IReadOnlyDictionary<string, double> adapter, IReadOnlyDictionary<string, double>? baseline, string? baselineSource = null)
    {
        var checks = new List<GateCheck>();
        var inv = CultureInfo.InvariantCulture;

        bool Get(IReadOnlyDictionary<string, double> metrics, string name, string who, string check, out double value)
        {
            if (metrics.TryGetValue(name, out value) && double.IsFinite(value)) return true;
            checks.Add(new GateCheck(check, false, $"{who} metric '{name}' is missing or not a number (the gate fails closed)"));
            return false;
        }

        if (options.MaxEvalLoss is { } maxLoss && Get(adapter, "loss", "adapter", "max_eval_loss", out var loss))
            checks.Add(new GateCheck("max_eval_loss", loss <= maxLoss, string.Format(inv, "adapter loss {0:0.####} vs maximum {1:0.####}", loss, maxLoss)));

        if (options.MinLossImprovement is { } minImprovement
            && Get(adapter, "loss", "adapter", "min_loss_improvement", out var adapterLoss)
            && Get(baseModel, "loss", "base", "min_loss_improvement", out var baseLoss))
        {
            var improvement = baseLoss > 0 ? (baseLoss - adapterLoss) / baseLoss : double.NaN;
            checks.Add(new GateCheck("min_loss_improvement", double.IsFinite(improvement) && improvement >= minImprovement,
                string.Format(inv, "loss {0:0.####} -> {1:0.####} is a {2:0.##%} improvement vs minimum {3:0.##%}", baseLoss, adapterLoss, improvement, minImprovement)));
        }

        if (options.MinExactMatch is { } minEm && Get(adapter, "exact_match", "adapter", "min_exact_match", out var em))
            checks.Add(new GateCheck("min_exact_match", em >= minEm, string.Format(inv, "exact match {0:0.##} vs minimum {1:0.##}", em, minEm)));

        if (options.MinRefusalAccuracy is { } minRefusal && Get(adapter, "refusal_accuracy", "adapter", "min_refusal_accuracy", out var refusal))
            checks.Add(new GateCheck("min_refusal_accuracy", refusal >= minRefusal, string.Format(inv, "refusal accuracy {0:0.##} vs minimum {1:0.##}", refusal, minRefusal)));

        if (baseline is not null)
        {
            foreach (var name in BaselineMetrics)
            {
                if (!baseline.TryGetValue(name, out var previous) || !double.IsFinite(previous)) continue;
                if (!Get(adapter, name, "adapter", $"baseline.{name}", out var current)) continue;
                var lower = LowerIsBetter.Contains(name);
                var regression = lower
                    ? (current - previous) / Math.Max(Math.Abs(previous), 1e-12)
                    : (previous - current) / Math.Max(Math.Abs(previous), 1e-12);
                checks.Add(new GateCheck($"baseline.{name}", regression <= options.MaxRegression,
                    string.Format(inv, "{0} {1:0.####} vs baseline {2:0.####}: {3:0.##%} regression vs allowed {4:0.##%}",
                        name, current, previous, Math.Max(0, regression), options.MaxRegression)
                    + (baselineSource is null ? "" : $" (baseline: {baselineSource})")));
            }
        }
        return GateVerdict.From(checks);
    }

    /// <summary>Reads the adapter metrics of a baseline <c>report.json</c>; throws <see cref="InvalidDataException"/> naming the file when unusable.</summary>
    public static IReadOnlyDictionary<string, double> ReadBaseline(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"eval.baseline: {path} does not exist");
        return ParseBaseline(File.ReadAllText(path), path);
    }

    /// <summary>The adapter metrics (<c>metrics.adapter</c>) of a baseline report's JSON text; throws
    /// <see cref="InvalidDataException"/> naming <paramref name="source"/> (a path, or a release and asset) when unusable.</summary>
    public static IReadOnlyDictionary<string, double> ParseBaseline(string json, string source)
    {
        try
        {
            return EvaluationReport.Parse(json, source).AdapterMetrics;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"eval.baseline: {e.Message}", e);
        }
    }
}
