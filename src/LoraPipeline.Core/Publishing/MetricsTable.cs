using System.Globalization;
using System.Text;
using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>The base-versus-adapter metrics table (Markdown) shared by the model card and the release notes.</summary>
internal static class MetricsTable
{
    private static readonly string[] Preferred =
        ["loss", "perplexity", "exact_match", "token_f1", "rouge_l", "refusal_accuracy", "grounding_rate"];

    private static readonly HashSet<string> LowerIsBetter = new(StringComparer.Ordinal) { "loss", "perplexity" };

    /// <summary>Renders one row per metric present in either model: base, adapter and the change (adapter − base).</summary>
    public static string Render(EvaluationReport report)
    {
        var names = report.BaseMetrics.Keys.Union(report.AdapterMetrics.Keys).ToList();
        var ordered = Preferred.Where(names.Contains).Concat(names.Except(Preferred).Order(StringComparer.Ordinal));
        var text = new StringBuilder()
            .AppendLine("| metric | base | adapter | Δ (adapter − base) |")
            .AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var name in ordered)
        {
            var hasBase = report.BaseMetrics.TryGetValue(name, out var baseValue);
            var hasAdapter = report.AdapterMetrics.TryGetValue(name, out var adapterValue);
            var delta = hasBase && hasAdapter ? Signed(adapterValue - baseValue) : "–";
            var label = LowerIsBetter.Contains(name) ? $"{name} (lower is better)" : name;
            text.Append("| ").Append(label)
                .Append(" | ").Append(hasBase ? Format(baseValue) : "–")
                .Append(" | ").Append(hasAdapter ? Format(adapterValue) : "–")
                .Append(" | ").Append(delta).AppendLine(" |");
        }
        return text.ToString();
    }

    /// <summary>The gate verdict as one Markdown line.</summary>
    public static string Verdict(GateVerdict? gate)
    {
        if (gate is null) return "**Gate: no verdict recorded**";
        var reasons = gate.Reasons.Count == 0 ? "" : " — " + string.Join("; ", gate.Reasons);
        return (gate.Passed ? "**Gate: passed**" : "**Gate: FAILED**") + reasons;
    }

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Format(value);
}
