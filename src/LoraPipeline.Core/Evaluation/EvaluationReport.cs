using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Evaluation;

/// <summary>The gate section of <c>report.json</c>; Publish checks <see cref="AdapterSha256"/> against the adapter it ships.</summary>
/// <param name="Passed">Verdict.</param>
/// <param name="Reasons">Why it failed.</param>
/// <param name="Checks">Every check.</param>
/// <param name="AdapterSha256">SHA-256 of the evaluated <c>adapter_model.safetensors</c>.</param>
public sealed record GateSection(bool Passed, IReadOnlyList<string> Reasons, IReadOnlyList<GateCheck> Checks, string AdapterSha256);

/// <summary><c>report.json</c> and <c>report.md</c>.</summary>
public sealed class EvaluationReport
{
    /// <summary>Gate verdict.</summary>
    public required GateSection Gate { get; init; }
    /// <summary>Metrics: <c>base</c> and <c>adapter</c>.</summary>
    public required Dictionary<string, Dictionary<string, double>> Metrics { get; init; }
    /// <summary>Base model source and revision.</summary>
    public required Dictionary<string, string?> Model { get; init; }
    /// <summary>Dataset folder or examples file.</summary>
    public required string Dataset { get; init; }
    /// <summary>Test examples evaluated.</summary>
    public required int Examples { get; init; }
    /// <summary>Prompt format.</summary>
    public required string PromptFormat { get; init; }
    /// <summary>The evaluated config sections (lora, train, eval).</summary>
    public required Dictionary<string, object> Config { get; init; }
    /// <summary>Fingerprints of the stages the evaluation read.</summary>
    public required Dictionary<string, string> Fingerprints { get; init; }
    /// <summary>Wall time of the evaluation in seconds.</summary>
    public double DurationSeconds { get; init; }

    // A metric without examples to measure it on (refusal accuracy with no unanswerable question) is NaN
    // in memory and null in the JSON, which has no NaN; readers treat null as "not measured".
    private static readonly JsonSerializerOptions Json = new(ConfigJson.Options) { Converters = { new FiniteOrNull() } };

    private sealed class FiniteOrNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    /// <summary>JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Markdown: verdict, the base-vs-adapter table with deltas, and the worst examples.</summary>
    public string ToMarkdown(IReadOnlyList<Prediction> predictions)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# Evaluation report\n\n");
        sb.Append(inv, $"Base model `{Model["source"]}` · dataset `{Dataset}` · {Examples} test examples · prompt format `{PromptFormat}`\n\n");
        sb.Append(Gate.Passed ? "## Gate: PASSED\n\n" : "## Gate: FAILED\n\n");
        foreach (var check in Gate.Checks) sb.Append(inv, $"- {(check.Passed ? "pass" : "**FAIL**")} `{check.Name}`: {check.Detail}\n");
        if (Gate.Checks.Count == 0) sb.Append("- no thresholds configured\n");
        sb.Append("\n| metric | base | base + adapter | change |\n| --- | ---: | ---: | ---: |\n");
        foreach (var (name, adapterValue) in Metrics["adapter"])
        {
            var baseValue = Metrics["base"].GetValueOrDefault(name, double.NaN);
            var better = Evaluation.Gate.LowerIsBetter.Contains(name) ? baseValue - adapterValue : adapterValue - baseValue;
            var arrow = !double.IsFinite(better) || Math.Abs(better) < 1e-12 ? "" : better > 0 ? " ▲" : " ▼";
            sb.Append(inv, $"| {name} | {Format(baseValue)} | {Format(adapterValue)} | {Format(adapterValue - baseValue, signed: true)}{arrow} |\n");
        }
        sb.Append("\nLoss is mean cross-entropy per answer token (nats); other metrics are 0-100. ▲ better, ▼ worse.\n");
        sb.Append("\n## Five worst examples (by adapter token F1)\n\n| id | question | reference | adapter answer | F1 |\n| --- | --- | --- | --- | ---: |\n");
        foreach (var p in predictions.OrderBy(p => p.AdapterTokenF1).ThenBy(p => p.Id, StringComparer.Ordinal).Take(5))
            sb.Append(inv, $"| {Cell(p.Id)} | {Cell(p.Question)} | {Cell(p.Reference)} | {Cell(p.AdapterPrediction)} | {p.AdapterTokenF1 * 100:0.0} |\n");
        sb.Append(inv, $"\n![loss curves]({ArtifactNames.LossCurvesPlot})\n\n![metrics]({ArtifactNames.MetricsPlot})\n");
        return sb.ToString();
    }

    private static string Format(double value, bool signed = false) =>
        !double.IsFinite(value) ? "n/a" : value.ToString(signed ? "+0.000;-0.000;0.000" : "0.000", CultureInfo.InvariantCulture);

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ").Trim() is var t && t.Length > 80 ? t[..77] + "..." : text.Replace("|", "\\|").Replace("\n", " ").Trim();
}
