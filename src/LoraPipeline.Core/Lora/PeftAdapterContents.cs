using static TorchSharp.torch;

namespace LoraPipeline.Lora;

/// <summary>
/// A PEFT adapter folder read into memory: its config and, per module path, A [r, in] and B [out, r] in float32
/// on the CPU. Owns the tensors (dispose it once applied).
/// </summary>
internal sealed class PeftAdapterContents : IDisposable
{
    internal PeftAdapterContents(string directory, PeftAdapterConfig config, IReadOnlyList<PeftModuleWeights> modules)
    {
        Directory = directory;
        Config = config;
        Modules = modules;
    }

    /// <summary>The folder it was read from.</summary>
    public string Directory { get; }

    /// <summary><c>adapter_config.json</c>.</summary>
    public PeftAdapterConfig Config { get; }

    /// <summary>The adapted modules in the order of the file.</summary>
    public IReadOnlyList<PeftModuleWeights> Modules { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var module in Modules)
        {
            module.LoraA.Dispose();
            module.LoraB.Dispose();
        }
    }
}

/// <summary>One adapted module of a PEFT adapter.</summary>
/// <param name="ModulePath">Full Hugging Face module path (<c>model.layers.0.self_attn.q_proj</c>).</param>
/// <param name="LoraA">A [r, in], float32.</param>
/// <param name="LoraB">B [out, r], float32.</param>
internal sealed record PeftModuleWeights(string ModulePath, Tensor LoraA, Tensor LoraB);
