using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Lora;

/// <summary>
/// PEFT adapter folders (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, float32, metadata
/// <c>{"format": "pt"}</c>) that <c>peft</c>, <c>transformers</c> and vLLM load: export an injected adapter, read one
/// back, and apply it onto a model with every mismatch named.
/// </summary>
internal static class PeftAdapter
{
    /// <summary>
    /// Writes <paramref name="adapter"/> to <paramref name="directory"/> atomically (a temporary sibling folder renamed
    /// into place; an existing folder is replaced). The weights are the unmerged A and B in float32, whether or not
    /// the adapter is currently merged. When <paramref name="companionSourceDirectory"/> is given, the tokenizer files
    /// found there (<see cref="CheckpointConverter.CompanionFiles"/>) are copied beside the adapter.
    /// </summary>
    public static void Save(LoraAdapter adapter, string directory, string baseModelNameOrPath, string? revision = null,
        string? companionSourceDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var config = PeftAdapterConfig.For(adapter, baseModelNameOrPath, revision);
        AtomicDirectory.Write(directory, temp =>
        {
            using (var scope = NewDisposeScope())
            {
                var tensors = adapter.NamedParameters()
                    .Select(p => KeyValuePair.Create(p.Key, p.Value.detach().to(ScalarType.Float32)))
                    .ToList();
                SafetensorsWriter.Save(Path.Combine(temp, ArtifactNames.AdapterWeights), tensors,
                    new Dictionary<string, string> { ["format"] = "pt" });
            }
            AtomicFile.WriteAllText(Path.Combine(temp, ArtifactNames.AdapterConfig), config.ToJson());
            if (companionSourceDirectory is not null)
                foreach (var name in CheckpointConverter.CompanionFiles)
                {
                    var source = Path.Combine(companionSourceDirectory, name);
                    if (File.Exists(source)) File.Copy(source, Path.Combine(temp, name));
                }
        });
    }

    /// <summary>
    /// Reads the adapter folder <paramref name="directory"/>. Throws <see cref="LoraException"/> for a missing file, a
    /// config this pipeline cannot apply (see <see cref="PeftAdapterConfig.Parse"/>), a tensor that is not a LoRA A/B
    /// weight, a module with only one of A and B, or a rank that disagrees with <c>r</c>.
    /// </summary>
    public static PeftAdapterContents Load(string directory)
    {
        var configPath = Path.Combine(directory, ArtifactNames.AdapterConfig);
        var weightsPath = Path.Combine(directory, ArtifactNames.AdapterWeights);
        if (!System.IO.Directory.Exists(directory)) throw new LoraException($"{directory}: adapter folder not found");
        if (!File.Exists(configPath)) throw new LoraException($"{directory}: no {ArtifactNames.AdapterConfig} (not a PEFT adapter folder)");
        if (!File.Exists(weightsPath))
        {
            var hint = File.Exists(Path.Combine(directory, "adapter_model.bin"))
                ? "; adapter_model.bin is a pickle and is never loaded: convert it to safetensors"
                : "";
            throw new LoraException($"{directory}: no {ArtifactNames.AdapterWeights}{hint}");
        }
        var config = PeftAdapterConfig.Parse(File.ReadAllText(configPath), configPath);
        config.Settings.Validate();
        using var file = SafetensorsFile.Open(weightsPath);
        var problems = new List<string>();
        var pairs = new Dictionary<string, (string? A, string? B)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var name in file.Names)
        {
            if (!PeftKeys.TryParse(name, out var path, out var isA))
            {
                problems.Add($"tensor '{name}' is not a LoRA weight (expected {PeftKeys.Prefix}<module>{PeftKeys.LoraASuffix} or {PeftKeys.LoraBSuffix})");
                continue;
            }
            if (!pairs.TryGetValue(path, out var pair)) order.Add(path);
            pairs[path] = isA ? (name, pair.B) : (pair.A, name);
        }
        foreach (var path in order)
        {
            var (a, b) = pairs[path];
            if (a is null || b is null) { problems.Add($"module '{path}' has only {(a is null ? "lora_B" : "lora_A")}"); continue; }
            var aShape = file.Entry(a).Shape;
            var bShape = file.Entry(b).Shape;
            var rank = config.SettingsFor(path).Rank;
            var from = rank == config.R ? "r" : "rank_pattern";
            if (aShape.Length != 2 || aShape[0] != rank)
                problems.Add($"'{a}' has shape {Shape(aShape)}, expected [{from} = {rank}, in]");
            if (bShape.Length != 2 || bShape[1] != rank)
                problems.Add($"'{b}' has shape {Shape(bShape)}, expected [out, {from} = {rank}]");
        }
        if (order.Count == 0 && problems.Count == 0) problems.Add("it holds no LoRA weights");
        // PEFT applies only what target_modules names; weights for other modules mean config and file disagree.
        var unnamed = config.TargetModules.Count == 0 ? [] : order.Where(path => !TargetModuleMatcher.Names(path, config.TargetModules)).ToList();
        if (unnamed.Count > 0)
            problems.Add($"{unnamed.Count} module(s) have weights that {ArtifactNames.AdapterConfig}'s target_modules " +
                $"[{string.Join(", ", config.TargetModules)}] does not name (first: {unnamed[0]}); the config and the weights disagree");
        if (problems.Count > 0) throw new LoraException($"{weightsPath}: " + string.Join("; ", problems));
        var modules = new List<PeftModuleWeights>();
        try
        {
            foreach (var path in order)
            {
                var (a, b) = pairs[path];
                modules.Add(new PeftModuleWeights(path, file.Read(a!, ScalarType.Float32, CPU), file.Read(b!, ScalarType.Float32, CPU)));
            }
        }
        catch
        {
            foreach (var module in modules) { module.LoraA.Dispose(); module.LoraB.Dispose(); }
            throw;
        }
        return new PeftAdapterContents(directory, config, modules);
    }

    /// <summary>
    /// Injects <paramref name="contents"/> into <paramref name="model"/>: exactly the modules the weights name get a
    /// <see cref="LoraLinear"/> holding a copy of the stored A and B. Throws <see cref="LoraException"/> naming every
    /// module the model lacks and every A/B whose shape disagrees with the model's projection; the model is left
    /// untouched then.
    /// </summary>
    public static LoraAdapter Apply(LlamaForCausalLM model, PeftAdapterContents contents)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(contents);
        var sites = ProjectionSite.All(model).ToDictionary(s => s.Path, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var module in contents.Modules)
        {
            if (!sites.TryGetValue(module.ModulePath, out var site))
            {
                problems.Add($"module '{module.ModulePath}' does not exist in this model (modules are named like {sites.Keys.FirstOrDefault() ?? "(none)"})");
                continue;
            }
            var projection = site.Host.GetProjection(site.ShortName);
            var (outFeatures, inFeatures, _) = LoraLinear.Describe(projection is LoraLinear lora ? lora.BaseLayer : projection);
            if (module.LoraA.shape[1] != inFeatures)
                problems.Add($"'{PeftKeys.LoraA(module.ModulePath)}' is {Shape(module.LoraA.shape)} but the model's {site.ShortName} takes {inFeatures} inputs (expected [{module.LoraA.shape[0]}, {inFeatures}])");
            if (module.LoraB.shape[0] != outFeatures)
                problems.Add($"'{PeftKeys.LoraB(module.ModulePath)}' is {Shape(module.LoraB.shape)} but the model's {site.ShortName} has {outFeatures} outputs (expected [{outFeatures}, {module.LoraB.shape[1]}])");
        }
        if (problems.Count > 0)
            throw new LoraException($"{contents.Directory}: the adapter does not fit this model: " + string.Join("; ", problems));
        var adapter = LoraInjector.Apply(model, contents.Modules.Select(m => m.ModulePath), contents.Config.Settings, seed: 0,
            settingsFor: contents.Config.SettingsFor);
        var byPath = contents.Modules.ToDictionary(m => m.ModulePath, StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (path, layer) in adapter.Layers)
            {
                layer.LoraA.copy_(byPath[path].LoraA);
                layer.LoraB.copy_(byPath[path].LoraB);
            }
        }
        return adapter;
    }

    /// <summary>Reads the adapter folder <paramref name="directory"/> and applies it onto <paramref name="model"/>.</summary>
    public static LoraAdapter Apply(LlamaForCausalLM model, string directory)
    {
        using var contents = Load(directory);
        return Apply(model, contents);
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
