using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.Lora;

/// <summary>
/// <c>adapter_config.json</c> of a PEFT LoRA adapter. <see cref="ToJson"/> writes every field PEFT, transformers and
/// vLLM read, with sorted keys and 2-space indent as PEFT does; <see cref="Parse"/> reads one back and refuses what
/// this pipeline cannot apply (DoRA, <c>modules_to_save</c>, biases, transposed weights, initialisations that alter the
/// base). Per-module ranks and alphas (<c>rank_pattern</c>, <c>alpha_pattern</c>) are read as PEFT reads them
/// (<see cref="PeftPatternKey"/>) and written for the modules whose rank or alpha differs from <c>r</c>/<c>lora_alpha</c>.
/// </summary>
internal sealed record PeftAdapterConfig
{
    /// <summary>Base model name or path (<c>base_model_name_or_path</c>).</summary>
    public required string BaseModelNameOrPath { get; init; }

    /// <summary>Base model revision, or null.</summary>
    public string? Revision { get; init; }

    /// <summary>Rank r.</summary>
    public required int R { get; init; }

    /// <summary><c>lora_alpha</c>.</summary>
    public required double LoraAlpha { get; init; }

    /// <summary><c>lora_dropout</c>.</summary>
    public required double LoraDropout { get; init; }

    /// <summary><c>use_rslora</c>.</summary>
    public required bool UseRslora { get; init; }

    /// <summary>Sorted short names of the adapted modules (<c>target_modules</c>).</summary>
    public required IReadOnlyList<string> TargetModules { get; init; }

    /// <summary>
    /// A regular expression over full module paths written as <c>target_modules</c> instead of the name list, when
    /// the adapted modules differ between layers (see <see cref="PeftTargets"/>); null otherwise.
    /// </summary>
    public string? TargetModulesRegex { get; init; }

    /// <summary><c>layers_to_transform</c>: the adapted layers when not all are, or null.</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }

    /// <summary><c>rank_pattern</c>: per-module ranks by key, in the file's order (empty when every module has rank r).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> RankPattern { get; init; } = [];

    /// <summary><c>alpha_pattern</c>: per-module alphas by key, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> AlphaPattern { get; init; } = [];

    /// <summary>The settings the config describes for a module no pattern names.</summary>
    public LoraSettings Settings => new(R, LoraAlpha, LoraDropout, UseRslora);

    /// <summary>The settings of the module at <paramref name="modulePath"/>: r and alpha after the patterns.</summary>
    public LoraSettings SettingsFor(string modulePath) => Settings with
    {
        Rank = PeftPatternKey.Lookup(RankPattern, modulePath, R),
        Alpha = PeftPatternKey.Lookup(AlphaPattern, modulePath, LoraAlpha),
    };

    /// <summary>The config of <paramref name="adapter"/> for a base model called <paramref name="baseModelNameOrPath"/>.</summary>
    public static PeftAdapterConfig For(LoraAdapter adapter, string baseModelNameOrPath, string? revision)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(baseModelNameOrPath);
        var targets = PeftTargets.For(adapter.Sites, adapter.Model.Config.NumHiddenLayers);
        return new PeftAdapterConfig
        {
            BaseModelNameOrPath = baseModelNameOrPath,
            Revision = revision,
            R = adapter.Settings.Rank,
            LoraAlpha = adapter.Settings.Alpha,
            LoraDropout = adapter.Settings.Dropout,
            UseRslora = adapter.Settings.UseRslora,
            TargetModules = adapter.TargetModules,
            TargetModulesRegex = targets.Regex,
            LayersToTransform = targets.LayersToTransform,
            // A module whose rank or alpha differs from the adapter-wide ones is named by its full path, which PEFT's
            // lookup matches exactly before any other key.
            RankPattern = adapter.Layers.Where(l => l.Value.Settings.Rank != adapter.Settings.Rank)
                .Select(l => KeyValuePair.Create(l.Key, l.Value.Settings.Rank)).ToList(),
            AlphaPattern = adapter.Layers.Where(l => l.Value.Settings.Alpha != adapter.Settings.Alpha)
                .Select(l => KeyValuePair.Create(l.Key, l.Value.Settings.Alpha)).ToList(),
        };
    }

    /// <summary>The JSON text (sorted keys, indent 2, trailing newline).</summary>
    public string ToJson()
    {
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["alpha_pattern"] = PatternJson(AlphaPattern, a => JsonValue.Create(a)),
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = LayersToTransform is null ? null : "layers",
            ["layers_to_transform"] = LayersToTransform is null ? null : new JsonArray(LayersToTransform.Select(l => (JsonNode?)l).ToArray()),
            ["lora_alpha"] = LoraAlpha,
            ["lora_dropout"] = LoraDropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = R,
            ["rank_pattern"] = PatternJson(RankPattern, r => JsonValue.Create(r)),
            ["revision"] = Revision,
            ["target_modules"] = TargetModulesRegex is { } regex ? JsonValue.Create(regex)
                : new JsonArray(TargetModules.Order(StringComparer.Ordinal).Select(m => (JsonNode?)m).ToArray()),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = UseRslora,
        };
        var root = new JsonObject();
        foreach (var (key, value) in fields) root[key] = value;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }

    /// <summary>Reads <paramref name="json"/> (from <paramref name="source"/>, named in errors).</summary>
    public static PeftAdapterConfig Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new LoraException($"{source}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new LoraException($"{source}: invalid JSON: {e.Message}", e);
        }
        var peftType = String(root, "peft_type", source) ?? throw new LoraException($"{source}: peft_type is missing");
        if (peftType != "LORA") throw new LoraException($"{source}: peft_type is '{peftType}'; only LORA adapters are supported");
        if (Bool(root, "use_dora", source) == true)
            throw new LoraException($"{source}: use_dora is true; DoRA adapters are not supported (vLLM refuses them too)");
        if (root["modules_to_save"] is JsonArray { Count: > 0 } saved)
            throw new LoraException($"{source}: modules_to_save lists {saved.ToJsonString()}; adapters that save full modules are not supported (vLLM refuses them too)");
        // Initialisations that change the base weights (PiSSA, OLoRA, CorDA) or quantize them (LoftQ): the saved A and B
        // only make sense on that altered base, so applying them to the original one would compute something else.
        if (root["init_lora_weights"] is JsonValue init && init.GetValueKind() == JsonValueKind.String &&
            init.GetValue<string>() is var method && (method.StartsWith("pissa", StringComparison.Ordinal) || method is "olora" or "corda" or "loftq"))
            throw new LoraException($"{source}: init_lora_weights is '{method}', which changes the base weights the adapter was trained on; " +
                                    "convert it to a plain LoRA first (PEFT's save_pretrained with path_initial_model_for_weight_conversion)");
        if (root["loftq_config"] is JsonObject { Count: > 0 })
            throw new LoraException($"{source}: loftq_config is set; LoftQ adapters belong to a quantized, altered base and are not supported");
        foreach (var module in new[] { "embed_tokens", "lm_head" })
            if (root["target_modules"] is JsonArray targets && targets.Any(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Split('.')[^1] == module))
                throw new LoraException($"{source}: target_modules names {module}; LoRA on the embeddings or the LM head is not supported (only the attention and MLP projections)");
        var bias = String(root, "bias", source) ?? "none";
        if (bias != "none") throw new LoraException($"{source}: bias is '{bias}'; only bias \"none\" is supported");
        if (Bool(root, "fan_in_fan_out", source) == true)
            throw new LoraException($"{source}: fan_in_fan_out is true; Llama-family projections store [out, in] weights, so it must be false");
        var r = Number(root, "r", source) ?? throw new LoraException($"{source}: r is missing");
        if (r != Math.Floor(r) || r < 1) throw new LoraException($"{source}: r must be a positive integer, got {r}");
        var rankPattern = Pattern(root, "rank_pattern", source).Select(p =>
            p.Value == Math.Floor(p.Value) && p.Value >= 1 ? KeyValuePair.Create(p.Key, (int)p.Value)
                : throw new LoraException($"{source}: rank_pattern[\"{p.Key}\"] must be a positive integer, got {p.Value}")).ToList();
        var alphaPattern = Pattern(root, "alpha_pattern", source).Select(p =>
            p.Value > 0 && double.IsFinite(p.Value) ? p
                : throw new LoraException($"{source}: alpha_pattern[\"{p.Key}\"] must be positive, got {p.Value}")).ToList();
        return new PeftAdapterConfig
        {
            RankPattern = rankPattern,
            AlphaPattern = alphaPattern,
            BaseModelNameOrPath = String(root, "base_model_name_or_path", source) ?? "",
            Revision = String(root, "revision", source),
            R = (int)r,
            LoraAlpha = Number(root, "lora_alpha", source) ?? throw new LoraException($"{source}: lora_alpha is missing"),
            LoraDropout = Number(root, "lora_dropout", source) ?? 0,
            UseRslora = Bool(root, "use_rslora", source) ?? false,
            TargetModules = root["target_modules"] switch
            {
                JsonArray list => list.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>()
                    : throw new LoraException($"{source}: target_modules must hold strings")).ToList(),
                JsonValue value when value.GetValueKind() == JsonValueKind.String => [value.GetValue<string>()],
                null => [],
                _ => throw new LoraException($"{source}: target_modules must be a list of names or a regular expression"),
            },
        };
    }

    private static JsonObject PatternJson<T>(IReadOnlyList<KeyValuePair<string, T>> pattern, Func<T, JsonNode> value)
    {
        var json = new JsonObject();
        foreach (var (key, v) in pattern) json[key] = value(v);
        return json;
    }

    private static List<KeyValuePair<string, double>> Pattern(JsonObject root, string key, string source)
    {
        if (root[key] is null) return [];
        if (root[key] is not JsonObject pattern) throw new LoraException($"{source}: {key} must be an object mapping module patterns to numbers");
        var entries = new List<KeyValuePair<string, double>>();
        foreach (var (name, node) in pattern)
        {
            if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw new LoraException($"{source}: {key}[\"{name}\"] must be a number");
            if (PeftPatternKey.Problem(name) is { } problem)
                throw new LoraException($"{source}: {key} key \"{name}\" is not a valid regular expression: {problem}");
            entries.Add(KeyValuePair.Create(name, v.GetValue<double>()));
        }
        return entries;
    }

    private static string? String(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new LoraException($"{source}: {key} must be a string"),
    };

    private static bool? Bool(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new LoraException($"{source}: {key} must be true or false"),
    };

    private static double? Number(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new LoraException($"{source}: {key} must be a number"),
    };
}
