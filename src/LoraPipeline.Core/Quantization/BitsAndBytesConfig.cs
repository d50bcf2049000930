using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Quantization;

/// <summary>
/// The <c>quantization_config</c> of a 4-bit bitsandbytes checkpoint in <c>config.json</c>, as transformers'
/// <c>BitsAndBytesConfig.to_dict()</c> writes it (<c>quant_method: bitsandbytes</c>, <c>load_in_4bit: true</c>,
/// <c>bnb_4bit_quant_type: nf4</c>, ...). Only NF4 with uint8 storage is read; every other quantization method or
/// variant is refused naming the key, so a GPTQ, AWQ, 8-bit or FP4 checkpoint never loads as garbage.
/// </summary>
/// <param name="DoubleQuant"><c>bnb_4bit_use_double_quant</c>.</param>
/// <param name="ComputeDtype"><c>bnb_4bit_compute_dtype</c> (what transformers computes in; we use the run's compute dtype).</param>
/// <param name="SkipModules"><c>llm_int8_skip_modules</c>: modules transformers keeps in full precision (also for 4-bit),
/// or null. It is carried over when a 4-bit checkpoint is copied; which weights are 4-bit is read from the stored
/// tensors themselves (<see cref="Modeling.ModelQuantizer.FourBitWeights"/>).</param>
internal sealed record BitsAndBytesConfig(bool DoubleQuant, string ComputeDtype, IReadOnlyList<string>? SkipModules = null)
{
    /// <summary>The key in <c>config.json</c>.</summary>
    public const string Key = "quantization_config";

    /// <summary>The config of <paramref name="config"/>, or null when it has no <c>quantization_config</c>.</summary>
    public static BitsAndBytesConfig? Read(JsonObject config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.TryGetPropertyValue(Key, out var node) || node is null) return null;
        if (node is not JsonObject q) throw new CheckpointException($"{source}: '{Key}' must be an object");
        string? Text(string key) => q.TryGetPropertyValue(key, out var v) && v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
        bool Flag(string key) => q.TryGetPropertyValue(key, out var v) && v is JsonValue value && value.TryGetValue<bool>(out var b) && b;
        CheckpointException Unsupported(string what) =>
            new($"{source}: {Key}.{what} is not supported: only bitsandbytes 4-bit NF4 checkpoints load here; use the unquantized model, or quantize it with `lora convert --quantize nf4`");
        var method = Text("quant_method") ?? "bitsandbytes";
        if (method != "bitsandbytes") throw Unsupported($"quant_method '{method}'");
        if (Flag("load_in_8bit") || Flag("_load_in_8bit")) throw Unsupported("load_in_8bit true (LLM.int8)");
        if (!(Flag("load_in_4bit") || Flag("_load_in_4bit"))) throw Unsupported("load_in_4bit (missing or false)");
        var type = Text("bnb_4bit_quant_type") ?? "fp4"; // transformers' default when the key is absent
        if (type != "nf4") throw Unsupported($"bnb_4bit_quant_type '{type}'");
        var storage = Text("bnb_4bit_quant_storage") ?? "uint8";
        if (storage != "uint8") throw Unsupported($"bnb_4bit_quant_storage '{storage}'");
        return new BitsAndBytesConfig(Flag("bnb_4bit_use_double_quant"), Text("bnb_4bit_compute_dtype") ?? "float32", SkipModulesOf(q, source));
    }

    private static List<string>? SkipModulesOf(JsonObject q, string source)
    {
        const string key = "llm_int8_skip_modules";
        if (!q.TryGetPropertyValue(key, out var node) || node is null) return null;
        if (node is JsonArray list && list.All(e => e is JsonValue v && v.TryGetValue<string>(out _)))
            return list.Select(e => e!.GetValue<string>()).ToList();
        throw new CheckpointException($"{source}: {Key}.{key} must be a list of module names or null, not {node.ToJsonString()}");
    }

    /// <summary>The object transformers writes for <c>BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", ...)</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["_load_in_4bit"] = true,
        ["_load_in_8bit"] = false,
        ["bnb_4bit_compute_dtype"] = ComputeDtype,
        ["bnb_4bit_quant_storage"] = "uint8",
        ["bnb_4bit_quant_type"] = "nf4",
        ["bnb_4bit_use_double_quant"] = DoubleQuant,
        ["llm_int8_enable_fp32_cpu_offload"] = false,
        ["llm_int8_has_fp16_weight"] = false,
        ["llm_int8_skip_modules"] = SkipModules is null ? null : new JsonArray(SkipModules.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
        ["llm_int8_threshold"] = 6.0,
        ["load_in_4bit"] = true,
        ["load_in_8bit"] = false,
        ["quant_method"] = "bitsandbytes",
    };
}
