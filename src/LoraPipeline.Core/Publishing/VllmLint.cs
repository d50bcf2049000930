using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.Publishing;

/// <summary>
/// Checks a package's <c>adapter_config.json</c> the way vLLM will when it loads the adapter: what vLLM refuses
/// (<c>modules_to_save</c>, DoRA, modules it cannot adapt) stops Publish; a rank above vLLM's default
/// <c>max_lora_rank</c> (16) is a warning naming the flag, and the value, to serve it with.
/// </summary>
internal static class VllmLint
{
    /// <summary>vLLM's default <c>--max-lora-rank</c>.</summary>
    public const int DefaultMaxLoraRank = 16;

    // The values vLLM accepts for --max-lora-rank (its engine arguments), ascending.
    private static readonly int[] AllowedMaxLoraRanks = [1, 8, 16, 32, 64, 128, 256, 320, 512];

    // The decoder projections vLLM's Llama/Mistral/Qwen2 LoRA layers cover (it packs q/k/v and gate/up itself).
    private static readonly HashSet<string> SupportedModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>
    /// The warnings for <paramref name="json"/> (read from <paramref name="source"/>, named in messages); throws
    /// <see cref="PublishException"/> for what vLLM refuses. <paramref name="adaptedModules"/> are the full module
    /// paths the weights hold.
    /// </summary>
    public static IReadOnlyList<string> Check(string json, string source, IEnumerable<string> adaptedModules)
    {
        ArgumentNullException.ThrowIfNull(adaptedModules);
        var root = JsonNode.Parse(json) as JsonObject ?? throw new PublishException($"{source}: not a JSON object");
        if (root["modules_to_save"] is JsonArray { Count: > 0 } saved)
            throw new PublishException($"{source}: modules_to_save is {saved.ToJsonString()}; vLLM refuses adapters that save full modules: set it to null");
        if (root["use_dora"] is JsonValue dora && dora.GetValueKind() == JsonValueKind.True)
            throw new PublishException($"{source}: use_dora is true; vLLM does not serve DoRA adapters");
        var unsupported = adaptedModules.Select(p => p.Split('.')[^1]).Where(n => !SupportedModules.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (unsupported.Count > 0)
            throw new PublishException($"{source}: the adapter holds LoRA weights for {string.Join(", ", unsupported)}, which vLLM cannot adapt " +
                $"(it serves {string.Join(", ", SupportedModules)})");
        var warnings = new List<string>();
        var ranks = new List<int>();
        if (root["r"] is JsonValue r && r.GetValueKind() == JsonValueKind.Number) ranks.Add(r.GetValue<int>());
        if (root["rank_pattern"] is JsonObject pattern)
            ranks.AddRange(pattern.Select(p => p.Value).OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.Number).Select(v => (int)v.GetValue<double>()));
        if (ranks.Count > 0 && ranks.Max() is var rank && rank > DefaultMaxLoraRank)
        {
            var flag = AllowedMaxLoraRanks.FirstOrDefault(a => a >= rank);
            warnings.Add(flag == 0
                ? $"rank {rank} is above every --max-lora-rank vLLM accepts (at most {AllowedMaxLoraRanks[^1]}); vLLM cannot serve this adapter"
                : $"rank {rank} is above vLLM's default max_lora_rank {DefaultMaxLoraRank}: serve it with `--enable-lora --max-lora-rank {flag}`");
        }
        return warnings;
    }
}
