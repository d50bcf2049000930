using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.PTuning;

namespace LoraPipeline.Lora;

/// <summary>
/// A PEFT adapter folder applied onto a model, whichever scheme it holds: LoRA (<see cref="Lora"/>, injected into the
/// projections) or P-tuning (<see cref="Prompt"/>, virtual tokens before every sequence). The one place that reads
/// <c>peft_type</c> to choose; Evaluate, <c>lora generate</c>, <c>lora logits</c> and the benchmarks load through it.
/// </summary>
internal sealed record LoadedAdapter(LoraAdapter? Lora, VirtualPrompt? Prompt)
{
    /// <summary>A few words for logs: the scheme and its size.</summary>
    public string Description => Lora is { } lora ? $"LoRA r {lora.Settings.Rank}"
        : $"P-tuning, {Prompt!.Count} virtual tokens";

    /// <summary>
    /// Reads <paramref name="directory"/> and applies it onto <paramref name="model"/>; throws <see cref="LoraException"/>
    /// naming the file for anything that cannot be applied (see <see cref="PeftAdapter.Load"/> and <see cref="VirtualPrompt.Load"/>).
    /// </summary>
    public static LoadedAdapter Apply(LlamaForCausalLM model, string directory)
    {
        if (IsPTuning(directory))
        {
            var prompt = VirtualPrompt.Load(directory);
            try
            {
                prompt.Apply(model);
            }
            catch
            {
                prompt.Dispose();
                throw;
            }
            return new LoadedAdapter(null, prompt);
        }
        return new LoadedAdapter(PeftAdapter.Apply(model, directory), null);
    }

    /// <summary>True when <paramref name="directory"/>'s <c>adapter_config.json</c> says <c>peft_type: P_TUNING</c>.</summary>
    public static bool IsPTuning(string directory)
    {
        var configPath = Path.Combine(directory, ArtifactNames.AdapterConfig);
        return File.Exists(configPath) && PTuningConfig.ReadPeftType(File.ReadAllText(configPath), configPath) == PTuningConfig.PeftType;
    }
}
