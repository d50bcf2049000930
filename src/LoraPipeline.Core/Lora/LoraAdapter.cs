using LoraPipeline.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Lora;

/// <summary>
/// The LoRA layers injected into one model, by full Hugging Face module path, in canonical order (by layer,
/// attention before MLP). The model owns the layers (they are its submodules); train/eval mode follows the model's
/// own <c>train()</c> / <c>eval()</c>. Obtained from <see cref="LoraInjector"/> or <see cref="PeftAdapter.Apply(LlamaForCausalLM, string)"/>.
/// </summary>
internal sealed class LoraAdapter : ITrainableAdapter
{
    private readonly List<(ProjectionSite Site, LoraLinear Layer)> _layers;
    private bool _removed;

    internal LoraAdapter(LlamaForCausalLM model, LoraSettings settings, List<(ProjectionSite Site, LoraLinear Layer)> layers)
    {
        Model = model;
        Settings = settings;
        _layers = layers;
    }

    /// <summary>The adapted model.</summary>
    public LlamaForCausalLM Model { get; }

    /// <summary>
    /// The adapter-wide rank, alpha, dropout and scaling rule (PEFT's <c>r</c>, <c>lora_alpha</c>); a layer loaded
    /// from a <c>rank_pattern</c>/<c>alpha_pattern</c> has its own in <see cref="LoraLinear.Settings"/>.
    /// </summary>
    public LoraSettings Settings { get; }

    /// <summary>Full module paths of the adapted projections, in canonical order.</summary>
    public IReadOnlyList<string> ModulePaths => _layers.Select(l => l.Site.Path).ToList();

    /// <summary>The adapted projection sites (path, short name, layer), in canonical order.</summary>
    public IReadOnlyList<ProjectionSite> Sites => _layers.Select(l => l.Site).ToList();

    /// <summary>The sorted, distinct short names of the adapted projections (PEFT's <c>target_modules</c>).</summary>
    public IReadOnlyList<string> TargetModules => _layers.Select(l => l.Site.ShortName).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The adapted layers by full module path, in canonical order.</summary>
    public IReadOnlyList<KeyValuePair<string, LoraLinear>> Layers
    {
        get
        {
            ThrowIfRemoved();
            return _layers.Select(l => KeyValuePair.Create(l.Site.Path, l.Layer)).ToList();
        }
    }

    /// <summary>Whether the update is folded into the base weights.</summary>
    public bool IsMerged => !_removed && _layers.Count > 0 && _layers[0].Layer.IsMerged;

    /// <summary>
    /// The trainable parameters (for the optimizer): for each layer in canonical order, <c>lora_A</c> then
    /// <c>lora_B</c>. The order is stable across runs with the same targets.
    /// </summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        ThrowIfRemoved();
        return _layers.SelectMany(l => new[] { l.Layer.LoraA, l.Layer.LoraB }).ToList();
    }

    /// <summary>
    /// The trainable parameters under their PEFT keys (<c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>),
    /// in the order of <see cref="Parameters"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Parameter>> NamedParameters()
    {
        ThrowIfRemoved();
        return _layers.SelectMany(l => new[]
        {
            KeyValuePair.Create(PeftKeys.LoraA(l.Site.Path), l.Layer.LoraA),
            KeyValuePair.Create(PeftKeys.LoraB(l.Site.Path), l.Layer.LoraB),
        }).ToList();
    }

    /// <summary>Number of trainable elements (all A and B entries).</summary>
    public long TrainableParameterCount => Parameters().Sum(p => p.numel());

    /// <summary>Folds every layer's update into its base weight; see <see cref="LoraLinear.Merge"/>.</summary>
    public void Merge()
    {
        ThrowIfRemoved();
        foreach (var (_, layer) in _layers) layer.Merge();
    }

    /// <summary>Takes every layer's update out of its base weight again; see <see cref="LoraLinear.Unmerge"/>.</summary>
    public void Unmerge()
    {
        ThrowIfRemoved();
        foreach (var (_, layer) in _layers) layer.Unmerge();
    }

    /// <summary>Unmerges if merged and puts the original projections back; the adapter's tensors are released.</summary>
    public void Remove()
    {
        Unmerge();
        Restore();
    }

    /// <summary>Merges and puts the (now updated) projections back: the model becomes a plain model with the adapter baked in.</summary>
    public void MergeAndRemove()
    {
        Merge();
        Restore();
    }

    private void Restore()
    {
        foreach (var (site, layer) in _layers)
        {
            var linear = layer.Detach();
            site.Host.SetProjection(site.ShortName, linear);
        }
        _removed = true;
    }

    private void ThrowIfRemoved()
    {
        if (_removed) throw new InvalidOperationException("this LoRA adapter was removed from its model");
    }

    /// <inheritdoc />
    public void Save(string directory, string baseModelNameOrPath, string? revision) => PeftAdapter.Save(this, directory, baseModelNameOrPath, revision);

    /// <inheritdoc />
    public string Description => $"LoRA r={Settings.Rank}";

    /// <summary>Reseeds every layer's dropout for optimizer step <paramref name="step"/> (see <see cref="LoraLinear.ReseedDropout"/>).</summary>
    public void ReseedDropout(long seed, int step)
    {
        foreach (var (path, layer) in Layers) layer.ReseedDropout(LoraSeeds.For(seed, path, $"dropout-step-{step}"));
    }
}
