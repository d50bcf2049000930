using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Evaluation;

/// <summary>
/// <c>report.json</c>, the Evaluate stage's contract with everything downstream: written here (<see cref="ToJson"/>), and read
/// back through <see cref="Read"/>/<see cref="Parse"/> by the stage's own gate check, Publish and a later run's baseline
/// (which may be a release's report written by an older version: only <c>metrics.adapter</c> is required to read one).
/// Also renders <c>report.md</c>.
/// </summary>
internal sealed class EvaluationReport
{
    /// <summary>Gate verdict; null only in a report that has none (an old or hand-written baseline).</summary>
    public GateVerdict? Gate { get; init; }
    /// <summary>Metrics: <c>base</c> and <c>adapter</c>.</summary>
    public required Dictionary<string, Dictionary<string, double>> Metrics { get; init; }
    /// <summary>Base model <c>source</c>, <c>revision</c> and, for a Hub base, the resolved <c>commit</c>.</summary>
    public Dictionary<string, string?> Model { get; init; } = [];
    /// <summary>Dataset folder or examples file.</summary>
    public string Dataset { get; init; } = "unknown";
    /// <summary>Test examples evaluated.</summary>
    public int Examples { get; init; }
    /// <summary>Prompt format (<c>chat_template</c> when the base model's own template rendered the prompts).</summary>
    public string PromptFormat { get; init; } = "unknown";
    /// <summary>For <c>chat_template</c>: the base model's file it came from (<c>tokenizer_config.json</c>, <c>chat_template.jinja</c>, ...); else null.</summary>
    public string? ChatTemplateFile { get; init; }
    /// <summary>The evaluated config sections (lora, train, eval).</summary>
    public Dictionary<string, object> Config { get; init; } = [];
    /// <summary>Fingerprints of the stages the evaluation read.</summary>
    public Dictionary<string, string> Fingerprints { get; init; } = [];
    /// <summary>Wall time of the evaluation in seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>The base model's measured metrics (unmeasured ones, null in the JSON, left out).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, double> BaseMetrics => Measured("base");

    /// <summary>The adapter's measured metrics (unmeasured ones left out).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, double> AdapterMetrics => Measured("adapter");

    /// <summary>The base model source (<c>hf:org/name</c>, a folder or <c>builtin:tiny-llama</c>), or <c>unknown</c>.</summary>
    [JsonIgnore]
    public string ModelSource => Model.GetValueOrDefault("source") ?? "unknown";

    /// <summary>The resolved base model revision, or null.</summary>
    [JsonIgnore]
    public string? ModelRevision => Model.GetValueOrDefault("revision");

    /// <summary>The commit the base's Hub revision resolved to, when recorded.</summary>
    public string? ModelCommit => Model.GetValueOrDefault("commit");

    private Dictionary<string, double> Measured(string who) =>
        (Metrics.GetValueOrDefault(who) ?? []).Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    /// <summary>Reads <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static EvaluationReport Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses report JSON; <paramref name="source"/> names it in errors (a path, or a release and asset).</summary>
    public static EvaluationReport Parse(string json, string source)
    {
        EvaluationReport? report;
        try
        {
            report = JsonSerializer.Deserialize<EvaluationReport>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON for a report ({e.Message})", e);
        }
        if (report?.Metrics is null || !report.Metrics.ContainsKey("adapter"))
            throw new InvalidDataException($"{source} has no metrics.adapter object");
        return report;
    }

    /// <summary>The gate verdict; throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when the report has none.</summary>
    public GateVerdict RequireGate(string source) => Gate ?? throw new InvalidDataException($"{source} has no gate verdict; run Evaluate again");

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
        sb.Append(inv, $"Base model `{Model["source"]}` · dataset `{Dataset}` · {Examples} test examples · prompt format `{PromptFormat}`{(ChatTemplateFile is null ? "" : $" (the base model's, from `{ChatTemplateFile}`)")}\n\n");
        var gate = RequireGate(ArtifactNames.Report);
        sb.Append(gate.Passed ? "## Gate: PASSED\n\n" : "## Gate: FAILED\n\n");
        foreach (var check in gate.Checks) sb.Append(inv, $"- {(check.Passed ? "pass" : "**FAIL**")} `{check.Name}`: {check.Detail}\n");
        if (gate.Checks.Count == 0) sb.Append("- no thresholds configured\n");
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
