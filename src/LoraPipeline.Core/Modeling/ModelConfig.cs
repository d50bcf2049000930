using LoraPipeline.Checkpoints;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.Modeling;

/// <summary>Model architecture families the network implements.</summary>
internal enum ModelArchitecture
{
    /// <summary><c>LlamaForCausalLM</c> (Llama 2, Llama 3).</summary>
    Llama,
    /// <summary><c>MistralForCausalLM</c>.</summary>
    Mistral,
    /// <summary><c>Qwen2ForCausalLM</c> (q/k/v biases).</summary>
    Qwen2,
}

/// <summary>
/// The parts of a Hugging Face <c>config.json</c> that define a Llama-family network. Read with
/// <see cref="Load"/>; unsupported architectures and rope scalings are refused with the key named.
/// </summary>
internal sealed record ModelConfig
{
    /// <summary>Architecture family.</summary>
    public required ModelArchitecture Architecture { get; init; }
    /// <summary>The <c>architectures[0]</c> string, for writing back.</summary>
    public required string ArchitectureName { get; init; }
    /// <summary>Hidden size h.</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Decoder layers.</summary>
    public required int NumHiddenLayers { get; init; }
    /// <summary>Query heads.</summary>
    public required int NumAttentionHeads { get; init; }
    /// <summary>Key/value heads (grouped-query attention when fewer than query heads).</summary>
    public required int NumKeyValueHeads { get; init; }
    /// <summary>Per-head dimension (<c>head_dim</c>, default hidden / heads).</summary>
    public required int HeadDim { get; init; }
    /// <summary>MLP intermediate size.</summary>
    public required int IntermediateSize { get; init; }
    /// <summary>Vocabulary size.</summary>
    public required int VocabSize { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public required double RmsNormEps { get; init; }
    /// <summary>Rotary base θ.</summary>
    public required double RopeTheta { get; init; }
    /// <summary>Llama 3 rope scaling, or null for none.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }
    /// <summary>Longest supported position.</summary>
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>LM head shares the embedding matrix.</summary>
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>Biases on q/k/v projections (Qwen2, or Llama with <c>attention_bias</c>).</summary>
    public required bool QkvBias { get; init; }
    /// <summary>Bias on the output projection (Llama with <c>attention_bias</c>).</summary>
    public required bool OutputBias { get; init; }
    /// <summary>Biases on MLP projections (<c>mlp_bias</c>).</summary>
    public required bool MlpBias { get; init; }
    /// <summary>Beginning-of-sequence id, if any.</summary>
    public int? BosTokenId { get; init; }
    /// <summary>End-of-sequence ids (Llama 3 lists several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>Stored dtype (<c>dtype</c>, or the older <c>torch_dtype</c>), informative.</summary>
    public string? TorchDtype { get; init; }
    /// <summary>The 4-bit quantization of the stored checkpoint (<c>quantization_config</c>), or null when unquantized.</summary>
    public Quantization.BitsAndBytesConfig? Quantization { get; init; }
    /// <summary>The raw JSON, for writing a converted or merged checkpoint back unchanged.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>Parameters of the network, counted from the shapes (embeddings and head included).</summary>
    public long ParameterCount()
    {
        long h = HiddenSize, kv = (long)NumKeyValueHeads * HeadDim, q = (long)NumAttentionHeads * HeadDim;
        var attention = h * q + 2 * h * kv + q * h + (QkvBias ? q + 2 * kv : 0) + (OutputBias ? h : 0);
        var mlp = 3 * h * IntermediateSize + (MlpBias ? 2L * IntermediateSize + h : 0);
        var layer = attention + mlp + 2 * h;
        var embeddings = (long)VocabSize * h * (TieWordEmbeddings ? 1 : 2);
        return NumHiddenLayers * layer + embeddings + h;
    }

    /// <summary>Reads <c>config.json</c> from a file or a model folder.</summary>
    public static ModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path))
            throw new CheckpointException($"{path}: config.json not found; a Hugging Face model folder needs one");
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new CheckpointException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: invalid JSON: {e.Message}", e);
        }
        return FromJson(json, path);
    }

    /// <summary>Interprets a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static ModelConfig FromJson(JsonObject json, string source)
    {
        var reader = new JsonReader(json, source);
        var architectureName = reader.Architecture();
        var architecture = architectureName switch
        {
            "LlamaForCausalLM" => ModelArchitecture.Llama,
            "MistralForCausalLM" => ModelArchitecture.Mistral,
            "Qwen2ForCausalLM" => ModelArchitecture.Qwen2,
            _ => throw new CheckpointException(
                $"{source}: architectures: '{architectureName}' is not supported; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM"),
        };
        // Bounds far above any released model, checked before anything is allocated from these numbers.
        var hidden = reader.Dim("hidden_size", 1 << 17);
        var heads = reader.Dim("num_attention_heads", 1 << 10);
        var kvHeads = reader.Dim("num_key_value_heads", heads, heads);
        if (heads % kvHeads != 0)
            throw new CheckpointException($"{source}: num_key_value_heads ({kvHeads}) must divide num_attention_heads ({heads})");
        var headDim = reader.Dim("head_dim", 1 << 11, hidden / heads);
        var attentionBias = reader.OptionalBool("attention_bias") ?? false;
        var qwen2 = architecture == ModelArchitecture.Qwen2;
        return new ModelConfig
        {
            Architecture = architecture,
            ArchitectureName = architectureName,
            HiddenSize = hidden,
            NumHiddenLayers = reader.Dim("num_hidden_layers", 1 << 10),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            IntermediateSize = reader.Dim("intermediate_size", 1 << 20),
            VocabSize = reader.Dim("vocab_size", 1 << 23),
            RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = reader.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = reader.RopeScaling(),
            MaxPositionEmbeddings = reader.Dim("max_position_embeddings", 1 << 24, 2048),
            TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? false,
            QkvBias = qwen2 || attentionBias,
            OutputBias = !qwen2 && attentionBias,
            MlpBias = reader.OptionalBool("mlp_bias") ?? false,
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.IntOrList("eos_token_id"),
            // transformers renamed torch_dtype to dtype (4.56); either may be the only one present.
            TorchDtype = reader.OptionalString("dtype") ?? reader.OptionalString("torch_dtype"),
            Quantization = LoraPipeline.Quantization.BitsAndBytesConfig.Read(json, source),
            Raw = (JsonObject)json.DeepClone(),
        };
    }

    private sealed class JsonReader(JsonObject json, string source)
    {
        public string Architecture()
        {
            if (json["architectures"] is JsonArray { Count: > 0 } list && list[0] is JsonValue v && v.TryGetValue<string>(out var name))
                return name;
            var modelType = OptionalString("model_type");
            return modelType switch
            {
                "llama" => "LlamaForCausalLM",
                "mistral" => "MistralForCausalLM",
                "qwen2" => "Qwen2ForCausalLM",
                _ => throw new CheckpointException($"{source}: architectures: missing; expected [\"LlamaForCausalLM\"] or similar"),
            };
        }

        public int Int(string key) =>
            OptionalInt(key) ?? throw new CheckpointException($"{source}: {key}: missing (an integer is required)");

        // A size: required unless a default is given, and between 1 and max.
        public int Dim(string key, int max, int? defaultValue = null)
        {
            var value = OptionalInt(key) ?? defaultValue ?? Int(key);
            if (value < 1 || value > max)
                throw new CheckpointException($"{source}: {key}: {value} is out of range; expected 1 to {max}");
            return value;
        }

        public int? OptionalInt(string key)
        {
            var node = json[key];
            if (node is null) return null;
            if (TryNumber(node, out var x) && x == Math.Floor(x) && Math.Abs(x) <= int.MaxValue) return (int)x;
            throw new CheckpointException($"{source}: {key}: expected an integer, got {node.ToJsonString()}");
        }

        public double? OptionalDouble(string key)
        {
            var node = json[key];
            if (node is null) return null;
            if (TryNumber(node, out var d)) return d;
            throw new CheckpointException($"{source}: {key}: expected a number, got {node.ToJsonString()}");
        }

        public bool? OptionalBool(string key)
        {
            var node = json[key];
            if (node is null) return null;
            if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return node.GetValueKind() == JsonValueKind.True;
            throw new CheckpointException($"{source}: {key}: expected true or false, got {node.ToJsonString()}");
        }

        public string? OptionalString(string key) =>
            json[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        public IReadOnlyList<int> IntOrList(string key)
        {
            var node = json[key];
            if (node is null) return [];
            if (node is JsonArray array)
                return array.Select(n => n is not null && TryNumber(n, out var l) && l == Math.Floor(l)
                    ? (int)l
                    : throw new CheckpointException($"{source}: {key}: expected integers, got {array.ToJsonString()}")).ToList();
            return [Int(key)];
        }

        // Numbers are read through their JSON text so that parsed and constructed nodes behave alike.
        private static bool TryNumber(JsonNode node, out double value)
        {
            value = 0;
            return node is JsonValue && node.GetValueKind() == JsonValueKind.Number &&
                   double.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
        }

        public Llama3RopeScaling? RopeScaling()
        {
            var node = json["rope_scaling"];
            if (node is null) return null;
            if (node is not JsonObject scaling)
                throw new CheckpointException($"{source}: rope_scaling: expected an object or null");
            var type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();
            if (type is "default") return null;
            if (type != "llama3")
                throw new CheckpointException(
                    $"{source}: rope_scaling.rope_type: '{type}' is not supported; supported: llama3 (or no rope_scaling)");
            var inner = new JsonReader(scaling, source + " rope_scaling");
            return new Llama3RopeScaling(
                inner.OptionalDouble("factor") ?? throw new CheckpointException($"{source}: rope_scaling.factor: missing"),
                inner.OptionalDouble("low_freq_factor") ?? 1.0,
                inner.OptionalDouble("high_freq_factor") ?? 4.0,
                inner.OptionalInt("original_max_position_embeddings") ?? 8192);
        }
    }
}
