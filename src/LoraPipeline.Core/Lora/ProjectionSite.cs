using LoraPipeline.Modeling;

namespace LoraPipeline.Lora;

/// <summary>
/// One replaceable projection of a model: its full Hugging Face module path
/// (<c>model.layers.3.self_attn.q_proj</c>), its short name (<c>q_proj</c>), and the block that holds it.
/// </summary>
/// <param name="Path">Full module path, as in Hugging Face parameter names without <c>.weight</c>.</param>
/// <param name="ShortName">The projection's own name (the last path segment).</param>
/// <param name="Layer">Index of the decoder layer.</param>
/// <param name="Host">The attention or MLP block holding the projection.</param>
internal sealed record ProjectionSite(string Path, string ShortName, int Layer, IProjectionHost Host)
{
    /// <summary>Every projection of <paramref name="model"/> in canonical order: by layer, attention before MLP, then the block's own order.</summary>
    public static IReadOnlyList<ProjectionSite> All(LlamaForCausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sites = new List<ProjectionSite>();
        var layers = model.Model.Layers;
        for (var i = 0; i < layers.Count; i++)
        {
            foreach (var (prefix, host) in new (string, IProjectionHost)[] { ("self_attn", layers[i].SelfAttention), ("mlp", layers[i].Mlp) })
                foreach (var name in host.ProjectionNames)
                    sites.Add(new ProjectionSite($"model.layers.{i}.{prefix}.{name}", name, i, host));
        }
        return sites;
    }
}
