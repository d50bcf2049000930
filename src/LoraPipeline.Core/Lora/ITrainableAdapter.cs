using TorchSharp.Modules;

namespace LoraPipeline.Lora;

/// <summary>
/// What the trainer needs of an adapter being trained, whichever PEFT scheme it is (LoRA layers, or P-tuning's prompt
/// encoder): its parameters by stable names (the optimizer updates them, checkpoints save and restore them exactly),
/// their count, per-step reseeding of its randomness, and export in PEFT's format.
/// </summary>
internal interface ITrainableAdapter
{
    /// <summary>The trainable parameters by name, in a fixed order.</summary>
    IReadOnlyList<KeyValuePair<string, Parameter>> NamedParameters();

    /// <summary>How many numbers are trained.</summary>
    long TrainableParameterCount { get; }

    /// <summary>Reseeds dropout for optimizer step <paramref name="step"/> of a run seeded <paramref name="seed"/>.</summary>
    void ReseedDropout(long seed, int step);

    /// <summary>Writes the adapter as a PEFT folder (atomically) for the base <paramref name="baseModelNameOrPath"/> at <paramref name="revision"/>.</summary>
    void Save(string directory, string baseModelNameOrPath, string? revision);

    /// <summary>A few words for plots and logs (<c>LoRA r=16</c>, <c>P-tuning, 20 virtual tokens</c>).</summary>
    string Description { get; }
}
