using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Engines;

/// <summary>
/// Takes the adapter an external engine wrote back into the pipeline: it must be a PEFT LoRA folder we can apply
/// (<see cref="PeftAdapter.Load"/>: safetensors, no <c>modules_to_save</c>, no DoRA, A/B shapes of rank <c>r</c>), trained with
/// the configured rank, alpha, rsLoRA and target modules, on the configured base model and revision. Only then are its two files
/// copied into the Train stage's <c>adapter/</c> folder.
/// </summary>
internal static class EngineAdapterImport
{
    /// <summary>Checks <paramref name="engineAdapter"/> against <paramref name="config"/> and copies it to <paramref name="destination"/>;
    /// throws <see cref="StageException"/> naming every disagreement.</summary>
    public static void Import(string engineAdapter, string destination, PipelineConfig config, string baseModelName, string? baseModelRevision)
    {
        PeftAdapterConfig adapterConfig;
        try
        {
            using var contents = PeftAdapter.Load(engineAdapter);
            adapterConfig = contents.Config;
        }
        catch (LoraException e)
        {
            throw new StageException($"train: the engine's adapter is not one we can use: {e.Message}", e);
        }
        var problems = new List<string>();
        var lora = config.Lora;
        if (adapterConfig.R != lora.R) problems.Add($"r is {adapterConfig.R}, lora.r is {lora.R}");
        if (adapterConfig.LoraAlpha != lora.Alpha) problems.Add($"lora_alpha is {adapterConfig.LoraAlpha}, lora.alpha is {lora.Alpha}");
        if (adapterConfig.UseRslora != lora.UseRslora) problems.Add($"use_rslora is {adapterConfig.UseRslora}, lora.use_rslora is {lora.UseRslora}");
        var expected = lora.TargetModules.Order(StringComparer.Ordinal).ToList();
        var actual = adapterConfig.TargetModules.Order(StringComparer.Ordinal).ToList();
        if (!expected.SequenceEqual(actual))
            problems.Add($"target_modules is [{string.Join(", ", actual)}], lora.target_modules is [{string.Join(", ", expected)}]");
        if (adapterConfig.BaseModelNameOrPath != baseModelName)
            problems.Add($"base_model_name_or_path is '{adapterConfig.BaseModelNameOrPath}', the base model is '{baseModelName}'");
        if (adapterConfig.Revision != baseModelRevision)
            problems.Add($"revision is {Quote(adapterConfig.Revision)}, the base model's is {Quote(baseModelRevision)}");
        if (problems.Count > 0)
            throw new StageException($"train: {Path.Combine(engineAdapter, ArtifactNames.AdapterConfig)} disagrees with the config: {string.Join("; ", problems)}");
        Directory.CreateDirectory(destination);
        foreach (var name in new[] { ArtifactNames.AdapterConfig, ArtifactNames.AdapterWeights })
            File.Copy(Path.Combine(engineAdapter, name), Path.Combine(destination, name), overwrite: true);
    }

    private static string Quote(string? value) => value is null ? "null" : $"'{value}'";
}
