using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;

namespace LoraPipeline.Selection;

/// <summary>
/// The candidate models and GPUs of <c>lora select</c>: <c>models.json</c> and <c>gpus.json</c> from a folder the user
/// names, or the copies shipped in <c>configs/catalogue/</c> (embedded in the assembly, so any working folder works).
/// </summary>
/// <param name="Models">Candidate models.</param>
/// <param name="Gpus">GPUs by catalogue name.</param>
internal sealed record Catalogue(IReadOnlyList<CatalogueModel> Models, IReadOnlyList<GpuProfile> Gpus)
{
    /// <summary>Loads the catalogue from <paramref name="directory"/>, or the shipped one when null.</summary>
    public static Catalogue Load(string? directory = null)
    {
        var (modelsText, modelsName) = Read(directory, "models.json");
        var (gpusText, gpusName) = Read(directory, "gpus.json");
        return new Catalogue(ParseModels(modelsText, modelsName), ParseGpus(gpusText, gpusName));
    }

    /// <summary>The GPU named <paramref name="name"/> (case-insensitive), or an error listing the known names.</summary>
    public GpuProfile Gpu(string name) =>
        Gpus.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new SelectionException($"unknown GPU '{name}'; known: {string.Join(", ", Gpus.Select(g => g.Name))}, this-machine");

    private static (string Text, string Name) Read(string? directory, string file)
    {
        if (directory is not null)
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path)) throw new SelectionException($"{path}: not found; a catalogue folder holds models.json and gpus.json");
            return (File.ReadAllText(path), path);
        }
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"catalogue/{file}")
            ?? throw new InvalidOperationException($"the shipped catalogue/{file} is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return (reader.ReadToEnd(), $"configs/catalogue/{file}");
    }

    private static JsonArray Entries(string text, string source, string key)
    {
        try
        {
            return JsonNode.Parse(text)?[key] as JsonArray ?? throw new SelectionException($"{source}: expected an object with a '{key}' list");
        }
        catch (JsonException e)
        {
            throw new SelectionException($"{source}: invalid JSON: {e.Message}", e);
        }
    }

    internal static IReadOnlyList<CatalogueModel> ParseModels(string text, string source)
    {
        var models = new List<CatalogueModel>();
        foreach (var (node, index) in Entries(text, source, "models").Select((n, i) => (n, i)))
        {
            if (node is not JsonObject entry) throw new SelectionException($"{source}: models[{index}]: expected an object");
            var name = Text(entry, "name", $"{source}: models[{index}]");
            var where = $"{source}: model '{name}'";
            if (entry["config"] is not JsonObject config)
                throw new SelectionException($"{where}: config: missing; give the config.json dimensions (hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, vocab_size, ...)");
            var experts = config["num_local_experts"]?.GetValue<int>() ?? 1;
            var perToken = config["num_experts_per_tok"]?.GetValue<int>() ?? (experts > 1 ? 2 : 1);
            // A mixture of experts is read for its dense shapes (one expert's MLP per layer); routing is counted apart.
            var shapes = (JsonObject)config.DeepClone();
            if (experts > 1) shapes["architectures"] = new JsonArray("MistralForCausalLM");
            ModelConfig dims;
            try
            {
                dims = ModelConfig.FromJson(shapes, $"{where}: config");
            }
            catch (CheckpointException e)
            {
                throw new SelectionException(e.Message, e);
            }
            var context = entry["context_length"]?.GetValue<int>() ?? dims.MaxPositionEmbeddings;
            models.Add(new CatalogueModel(name, Text(entry, "hub_id", where), entry["family"]?.GetValue<string>() ?? "unknown", dims,
                context, entry["license"]?.GetValue<string>() ?? "unknown", entry["gated"]?.GetValue<bool>() ?? false,
                entry["benchmark_score"]?.GetValue<double>(), experts, perToken));
        }
        var duplicate = models.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new SelectionException($"{source}: model '{duplicate.Key}' is listed twice");
        return models;
    }

    internal static IReadOnlyList<GpuProfile> ParseGpus(string text, string source)
    {
        var gpus = new List<GpuProfile>();
        foreach (var (node, index) in Entries(text, source, "gpus").Select((n, i) => (n, i)))
        {
            if (node is not JsonObject entry) throw new SelectionException($"{source}: gpus[{index}]: expected an object");
            var name = Text(entry, "name", $"{source}: gpus[{index}]");
            var where = $"{source}: GPU '{name}'";
            double Positive(string key) => entry[key]?.GetValue<double>() is > 0 and var v
                ? v
                : throw new SelectionException($"{where}: {key}: missing or not positive");
            gpus.Add(new GpuProfile(name, (long)Positive("memory_bytes"), Positive("bandwidth_bytes_per_s"), Positive("bf16_flops"),
                entry["fp8_flops"]?.GetValue<double>(), Positive("link_bytes_per_s"),
                RooflineAssumptions.GpuMemoryEfficiency, RooflineAssumptions.GpuComputeEfficiency,
                RooflineAssumptions.GpuLayerOverheadSeconds, RooflineAssumptions.GpuStepOverheadSeconds));
        }
        return gpus;
    }

    private static string Text(JsonObject entry, string key, string where) =>
        entry[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
            ? s
            : throw new SelectionException($"{where}: {key}: missing (a non-empty string is required)");
}
