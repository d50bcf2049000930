using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.Publishing;

/// <summary>What Publish reads from <c>evaluate/report.json</c>: the gate verdict, base and adapter metrics, model, dataset and config.</summary>
public sealed class EvaluationReport
{
    /// <summary>The gate verdict.</summary>
    public required GateVerdict Gate { get; init; }

    /// <summary>Metrics of the base model by name (for example <c>loss</c>, <c>exact_match</c>).</summary>
    public required IReadOnlyDictionary<string, double> BaseMetrics { get; init; }

    /// <summary>Metrics of the adapter by name.</summary>
    public required IReadOnlyDictionary<string, double> AdapterMetrics { get; init; }

    /// <summary>The base model source (<c>hf:org/name</c>, a folder or <c>builtin:tiny-llama</c>).</summary>
    public required string ModelSource { get; init; }

    /// <summary>The resolved base model revision, or null.</summary>
    public string? ModelRevision { get; init; }

    /// <summary>The dataset the adapter was trained and evaluated on.</summary>
    public required string Dataset { get; init; }

    /// <summary>The <c>config</c> object of the report, or null.</summary>
    public JsonObject? Config { get; init; }

    /// <summary>Reads and checks a report; a missing or malformed field is a <see cref="PublishException"/> naming the file and the field.</summary>
    public static EvaluationReport Read(string path)
    {
        if (!File.Exists(path))
            throw new PublishException($"{path} is missing; run `./build.sh --target=Evaluate` first");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new PublishException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new PublishException($"{path}: not valid JSON ({e.Message})");
        }

        var gate = Require<JsonObject>(root, "gate", path);
        var passed = gate["passed"] is JsonValue p && p.TryGetValue<bool>(out var b)
            ? b
            : throw new PublishException($"{path}: gate.passed must be true or false");
        var reasons = gate["reasons"] is JsonArray array
            ? array.Select(r => r?.ToString() ?? "").ToList()
            : [];
        var sha = gate["adapter_sha256"] is JsonValue s && s.TryGetValue<string>(out var text) ? text.Trim().ToLowerInvariant() : null;

        var metrics = Require<JsonObject>(root, "metrics", path);
        var model = root["model"] as JsonObject;
        return new EvaluationReport
        {
            Gate = new GateVerdict(passed, reasons, sha),
            BaseMetrics = Numbers(Require<JsonObject>(metrics, "base", path, "metrics.base"), path, "metrics.base"),
            AdapterMetrics = Numbers(Require<JsonObject>(metrics, "adapter", path, "metrics.adapter"), path, "metrics.adapter"),
            ModelSource = model?["source"]?.ToString() ?? "unknown",
            ModelRevision = model?["revision"]?.ToString(),
            Dataset = root["dataset"]?.ToString() ?? "unknown",
            Config = root["config"] as JsonObject,
        };
    }

    private static T Require<T>(JsonObject parent, string key, string path, string? label = null) where T : JsonNode =>
        parent[key] as T ?? throw new PublishException($"{path}: {label ?? key} is missing or not an object");

    private static Dictionary<string, double> Numbers(JsonObject values, string path, string label)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, node) in values)
        {
            if (node is JsonValue v && v.TryGetValue<double>(out var number)) result[name] = number;
            else if (node is null) continue;
            else throw new PublishException(
                $"{path}: {label}.{name} must be a number, got {node.ToJsonString()}".ToString(CultureInfo.InvariantCulture));
        }
        return result;
    }
}
