using System.Text.RegularExpressions;

namespace LoraPipeline.Lora;

/// <summary>
/// How <c>adapter_config.json</c> names the adapted modules so that PEFT and vLLM adapt exactly those: short names
/// (<c>target_modules: ["q_proj", "v_proj"]</c>) when every layer has the same ones; plus <c>layers_to_transform</c>
/// (and <c>layers_pattern: "layers"</c>) when only some layers are adapted but each of them alike; otherwise one
/// regular expression over the full module paths, which PEFT matches with <c>re.fullmatch</c>.
/// </summary>
/// <param name="ShortNames">Sorted short names, when <see cref="Regex"/> is null.</param>
/// <param name="Regex">The alternation of the adapted module paths, when no name list says it exactly.</param>
/// <param name="LayersToTransform">The adapted layer indices, sorted, when not every layer is adapted alike.</param>
internal sealed record PeftTargets(IReadOnlyList<string> ShortNames, string? Regex, IReadOnlyList<int>? LayersToTransform)
{
    /// <summary>The targets for the adapted <paramref name="sites"/> of a model with <paramref name="layerCount"/> layers.</summary>
    public static PeftTargets For(IReadOnlyList<ProjectionSite> sites, int layerCount)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var names = sites.Select(s => s.ShortName).Distinct().Order(StringComparer.Ordinal).ToList();
        var layers = sites.Select(s => s.Layer).Distinct().Order().ToList();
        var adapted = sites.Select(s => (s.Layer, s.ShortName)).ToHashSet();
        var crossProduct = adapted.Count == names.Count * layers.Count;
        if (crossProduct && layers.Count == layerCount) return new PeftTargets(names, null, null);
        if (crossProduct) return new PeftTargets(names, null, layers);
        var regex = string.Join("|", sites.Select(s => s.Path).Order(StringComparer.Ordinal).Select(p => System.Text.RegularExpressions.Regex.Escape(p)));
        return new PeftTargets(names, regex, null);
    }
}
