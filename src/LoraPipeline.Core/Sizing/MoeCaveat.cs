using System.Text.Json.Nodes;

namespace LoraPipeline.Sizing;

/// <summary>
/// Mixture-of-experts configs (Mixtral's <c>num_local_experts</c>) are refused: the network has no expert
/// routing, so neither training nor serving can be planned for it. The refusal still says what the weights alone
/// weigh, counted from the config, so the user gets the one number that is certain.
/// </summary>
internal static class MoeCaveat
{
    /// <summary>A refusal message for a mixture-of-experts config, or null for a dense one.</summary>
    public static string? Describe(JsonObject config, string source)
    {
        if (config["num_local_experts"] is not JsonValue expertsNode || !expertsNode.TryGetValue<int>(out var experts) || experts <= 1)
            return null;
        long Int(string key) => config[key] is JsonValue v && v.TryGetValue<long>(out var x) ? x : 0;
        long h = Int("hidden_size"), layers = Int("num_hidden_layers"), heads = Int("num_attention_heads"),
            kvHeads = Int("num_key_value_heads") is > 0 and var k ? k : heads, i = Int("intermediate_size"), vocab = Int("vocab_size");
        var headDim = heads > 0 ? h / heads : 0;
        var attention = 2 * h * heads * headDim + 2 * h * kvHeads * headDim;
        var parameters = layers * (attention + experts * 3 * h * i + h * experts + 2 * h) + 2 * vocab * h + h;
        var architecture = config["architectures"] is JsonArray { Count: > 0 } a ? a[0]?.ToString() : "mixture of experts";
        return $"{source}: {architecture} is a mixture-of-experts model ({experts} experts per layer), which the network does not implement; " +
               $"no plan is made. Its weights alone are {parameters / 1e9:0.0} B parameters = {parameters * 2 / (double)(1L << 30):0.0} GiB in bf16, " +
               "so LoRA training needs more than one 80 GB GPU even before activations.";
    }
}
