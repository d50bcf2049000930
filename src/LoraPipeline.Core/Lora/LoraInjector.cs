using LoraPipeline.Configuration;
using LoraPipeline.Modeling;
using TorchSharp.Modules;

namespace LoraPipeline.Lora;

/// <summary>
/// Wraps a model's projections in <see cref="LoraLinear"/> layers, selected by <c>target_modules</c> patterns
/// (<see cref="TargetModuleMatcher"/>) or by explicit module paths, and freezes every other parameter.
/// </summary>
internal static class LoraInjector
{
    /// <summary>
    /// Injects an adapter into every projection <see cref="LoraOptions.TargetModules"/> selects. Each module's A is
    /// drawn from a generator seeded by <paramref name="seed"/> and the module path (so the same seed gives the same A).
    /// Every non-LoRA parameter of <paramref name="model"/> is frozen. Throws <see cref="LoraException"/> when a pattern
    /// matches nothing or the model already holds an adapter.
    /// </summary>
    public static LoraAdapter Apply(LlamaForCausalLM model, LoraOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var sites = TargetModuleMatcher.Select(ProjectionSite.All(model), options.TargetModules);
        return Inject(model, sites, LoraSettings.From(options), seed);
    }

    /// <summary>
    /// Injects an adapter into exactly the projections at <paramref name="modulePaths"/> (full paths such as
    /// <c>model.layers.0.self_attn.q_proj</c>); see <see cref="Apply(LlamaForCausalLM, LoraOptions, int)"/>.
    /// <paramref name="settings"/> are the adapter-wide ones; <paramref name="settingsFor"/>, when given, gives a
    /// module's own (PEFT's <c>rank_pattern</c> / <c>alpha_pattern</c>).
    /// </summary>
    public static LoraAdapter Apply(LlamaForCausalLM model, IEnumerable<string> modulePaths, LoraSettings settings, int seed,
        Func<string, LoraSettings>? settingsFor = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modulePaths);
        var all = ProjectionSite.All(model);
        var byPath = all.ToDictionary(s => s.Path, StringComparer.Ordinal);
        var wanted = modulePaths.ToHashSet(StringComparer.Ordinal);
        var unknown = wanted.Where(p => !byPath.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new LoraException($"no such module in this model ({model.Config.NumHiddenLayers} layers): {string.Join(", ", unknown)}; " +
                $"modules are named like {all.FirstOrDefault()?.Path ?? "(none)"}");
        if (wanted.Count == 0) throw new LoraException("no module to adapt");
        return Inject(model, all.Where(s => wanted.Contains(s.Path)).ToList(), settings, seed, settingsFor);
    }

    private static LoraAdapter Inject(LlamaForCausalLM model, IReadOnlyList<ProjectionSite> sites, LoraSettings settings, int seed,
        Func<string, LoraSettings>? settingsFor = null)
    {
        settings.Validate();
        var layerSettings = sites.ToDictionary(s => s.Path, s => settingsFor?.Invoke(s.Path) ?? settings, StringComparer.Ordinal);
        foreach (var (path, own) in layerSettings)
        {
            try { own.Validate(); }
            catch (ArgumentException e) { throw new LoraException($"{path}: {e.Message}", e); }
        }
        foreach (var site in sites)
            if (site.Host.GetProjection(site.ShortName) is LoraLinear)
                throw new LoraException($"{site.Path} already holds a LoRA adapter: remove it before injecting another");
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        var layers = new List<(ProjectionSite Site, LoraLinear Layer)>();
        foreach (var site in sites)
        {
            var current = site.Host.GetProjection(site.ShortName);
            if (current is not (Linear or Quantization.Nf4Linear))
                throw new LoraException($"{site.Path} is a {current.GetType().Name}, not a linear projection; LoRA wraps linear layers (full precision or NF4) only");
            var layer = new LoraLinear(current, layerSettings[site.Path], LoraSeeds.For(seed, site.Path, "init"), LoraSeeds.For(seed, site.Path, "dropout"));
            layer.train(model.training); // a new module starts in training mode; follow the model's mode instead
            site.Host.SetProjection(site.ShortName, layer);
            layers.Add((site, layer));
        }
        return new LoraAdapter(model, settings, layers);
    }
}
