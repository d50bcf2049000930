using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;

namespace LoraPipeline.PTuning;

/// <summary>
/// <c>adapter_config.json</c> of a PEFT P-tuning adapter (<c>peft_type: P_TUNING</c>, PEFT's <c>PromptEncoderConfig</c>
/// for a causal LM). <see cref="ToJson"/> writes every field that config class has (sorted keys, indent 2, as PEFT's
/// <c>save_pretrained</c>), with <c>inference_mode: true</c> as PEFT saves it; <see cref="Parse"/> reads one back and
/// refuses what this pipeline cannot apply.
/// </summary>
internal sealed record PTuningConfig
{
    /// <summary>The <c>peft_type</c> value.</summary>
    public const string PeftType = "P_TUNING";

    /// <summary><c>base_model_name_or_path</c>.</summary>
    public required string BaseModelNameOrPath { get; init; }

    /// <summary><c>revision</c>, or null.</summary>
    public string? Revision { get; init; }

    /// <summary><c>num_virtual_tokens</c>.</summary>
    public required int NumVirtualTokens { get; init; }

    /// <summary><c>token_dim</c>: the base model's hidden size.</summary>
    public required int TokenDim { get; init; }

    /// <summary><c>num_attention_heads</c> of the base model.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_layers</c> of the base model.</summary>
    public required int NumLayers { get; init; }

    /// <summary><c>encoder_reparameterization_type</c>.</summary>
    public required PromptEncoderType EncoderType { get; init; }

    /// <summary><c>encoder_hidden_size</c>.</summary>
    public required int EncoderHiddenSize { get; init; }

    /// <summary><c>encoder_num_layers</c>.</summary>
    public required int EncoderNumLayers { get; init; }

    /// <summary><c>encoder_dropout</c>.</summary>
    public required double EncoderDropout { get; init; }

    /// <summary>The config for <paramref name="encoder"/> trained on a base with <paramref name="heads"/> heads and <paramref name="layers"/> layers.</summary>
    public static PTuningConfig For(PromptEncoder encoder, PeftOptions options, int heads, int layers, string baseModelNameOrPath, string? revision) => new()
    {
        BaseModelNameOrPath = baseModelNameOrPath,
        Revision = revision,
        NumVirtualTokens = encoder.VirtualTokens,
        TokenDim = encoder.TokenDim,
        NumAttentionHeads = heads,
        NumLayers = layers,
        EncoderType = encoder.Type,
        EncoderHiddenSize = encoder.HiddenSize,
        EncoderNumLayers = options.EncoderNumLayers,
        EncoderDropout = options.EncoderDropout,
    };

    /// <summary>The JSON text (sorted keys, indent 2, trailing newline).</summary>
    public string ToJson()
    {
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["encoder_dropout"] = EncoderDropout,
            ["encoder_hidden_size"] = EncoderHiddenSize,
            ["encoder_num_layers"] = EncoderNumLayers,
            ["encoder_reparameterization_type"] = EncoderType == PromptEncoderType.Lstm ? "LSTM" : "MLP",
            // PEFT's save_pretrained writes inference_mode true; loaded so, the stored prompt_embeddings are used as they are.
            ["inference_mode"] = true,
            ["modules_to_save"] = null,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_layers"] = NumLayers,
            ["num_transformer_submodules"] = 1,
            ["num_virtual_tokens"] = NumVirtualTokens,
            ["peft_type"] = PeftType,
            ["revision"] = Revision,
            ["task_type"] = "CAUSAL_LM",
            ["token_dim"] = TokenDim,
        };
        var root = new JsonObject();
        foreach (var (key, value) in fields) root[key] = value;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }

    /// <summary>The <c>peft_type</c> of an adapter config text, or null when it has none (errors name <paramref name="source"/>).</summary>
    public static string? ReadPeftType(string json, string source)
    {
        try
        {
            return (JsonNode.Parse(json) as JsonObject)?["peft_type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        }
        catch (JsonException e)
        {
            throw new LoraException($"{source}: invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads <paramref name="json"/> (from <paramref name="source"/>, named in errors).</summary>
    public static PTuningConfig Parse(string json, string source)
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
        var peftType = Text(root, "peft_type", source);
        if (peftType != PeftType) throw new LoraException($"{source}: peft_type is '{peftType}', expected {PeftType}");
        var task = Text(root, "task_type", source);
        if (task is not null && task != "CAUSAL_LM")
            throw new LoraException($"{source}: task_type is '{task}'; only CAUSAL_LM P-tuning adapters apply to these models");
        if (Integer(root, "num_transformer_submodules", source) is { } submodules && submodules != 1)
            throw new LoraException($"{source}: num_transformer_submodules is {submodules}; a causal LM has 1");
        if (root["modules_to_save"] is JsonArray { Count: > 0 } saved)
            throw new LoraException($"{source}: modules_to_save lists {saved.ToJsonString()}; adapters that save full modules are not supported");
        var type = Text(root, "encoder_reparameterization_type", source) ?? "MLP";
        return new PTuningConfig
        {
            BaseModelNameOrPath = Text(root, "base_model_name_or_path", source) ?? "",
            Revision = Text(root, "revision", source),
            NumVirtualTokens = Integer(root, "num_virtual_tokens", source) is { } n and > 0 ? n
                : throw new LoraException($"{source}: num_virtual_tokens must be a positive integer"),
            TokenDim = Integer(root, "token_dim", source) ?? throw new LoraException($"{source}: token_dim is missing"),
            NumAttentionHeads = Integer(root, "num_attention_heads", source) ?? 0,
            NumLayers = Integer(root, "num_layers", source) ?? 0,
            EncoderType = type.ToUpperInvariant() switch
            {
                "MLP" => PromptEncoderType.Mlp,
                "LSTM" => PromptEncoderType.Lstm,
                _ => throw new LoraException($"{source}: encoder_reparameterization_type is '{type}'; PEFT knows MLP and LSTM"),
            },
            EncoderHiddenSize = Integer(root, "encoder_hidden_size", source) ?? 0,
            EncoderNumLayers = Integer(root, "encoder_num_layers", source) ?? 2,
            EncoderDropout = root["encoder_dropout"] is JsonValue d && d.GetValueKind() == JsonValueKind.Number ? d.GetValue<double>() : 0,
        };
    }

    private static string? Text(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new LoraException($"{source}: {key} must be a string"),
    };

    private static int? Integer(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() is var x && x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue => (int)x,
        _ => throw new LoraException($"{source}: {key} must be an integer"),
    };
}
