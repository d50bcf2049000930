using LoraPipeline.Modeling;
using System.Text.RegularExpressions;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Sizing;

/// <summary>The seven linear projections of a decoder layer and the LoRA parameters of adapting them.</summary>
internal static class AdapterShapes
{
    /// <summary>One projection: its short name, Hugging Face path inside a layer, and in/out features.</summary>
    /// <param name="Name">Short name (<c>q_proj</c>).</param>
    /// <param name="Path">Path inside a layer (<c>self_attn.q_proj</c>).</param>
    /// <param name="In">Input features.</param>
    /// <param name="Out">Output features.</param>
    public sealed record Projection(string Name, string Path, long In, long Out);

    /// <summary>The projections of one decoder layer of <paramref name="config"/>.</summary>
    public static IReadOnlyList<Projection> Projections(ModelConfig config)
    {
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim,
            kv = (long)config.NumKeyValueHeads * config.HeadDim, i = config.IntermediateSize;
        return
        [
            new("q_proj", "self_attn.q_proj", h, q),
            new("k_proj", "self_attn.k_proj", h, kv),
            new("v_proj", "self_attn.v_proj", h, kv),
            new("o_proj", "self_attn.o_proj", q, h),
            new("gate_proj", "mlp.gate_proj", h, i),
            new("up_proj", "mlp.up_proj", h, i),
            new("down_proj", "mlp.down_proj", i, h),
        ];
    }

    /// <summary>
    /// The projections matched by <paramref name="targets"/>: an entry matches a projection whose short name it
    /// equals, or, as a regular expression, the whole module path (<c>model.layers.0.self_attn.q_proj</c>).
    /// Throws <see cref="ArgumentException"/> when an entry matches nothing.
    /// </summary>
    public static IReadOnlyList<Projection> Targeted(ModelConfig config, IReadOnlyList<string> targets)
    {
        var all = Projections(config);
        var chosen = new HashSet<Projection>();
        foreach (var target in targets)
        {
            var matched = all.Where(p => p.Name == target || IsFullMatch(target, $"model.layers.0.{p.Path}")).ToList();
            if (matched.Count == 0)
                throw new ArgumentException(
                    $"lora.target_modules: '{target}' matches no projection; projections: {string.Join(", ", all.Select(p => p.Name))}");
            chosen.UnionWith(matched);
        }
        return all.Where(chosen.Contains).ToList();
    }

    /// <summary>LoRA parameters of the whole model: layers × Σ r·(in + out) over the targeted projections.</summary>
    public static long ParameterCount(ModelConfig config, IReadOnlyList<string> targets, int r) =>
        config.NumHiddenLayers * Targeted(config, targets).Sum(p => (long)r * (p.In + p.Out));

    private static bool IsFullMatch(string pattern, string text)
    {
        try
        {
            return Regex.IsMatch(text, $"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
