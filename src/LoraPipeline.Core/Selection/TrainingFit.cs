using LoraPipeline.Configuration;
using LoraPipeline.Sizing;

namespace LoraPipeline.Selection;

/// <summary>How a candidate trains on the development hardware, from the Plan's memory model.</summary>
/// <param name="Kind"><c>lora</c>, <c>qlora</c> or <c>no</c>.</param>
/// <param name="Checkpointing">The least recomputation with which it fits, or null.</param>
/// <param name="Gpus">GPUs the layers are placed on (<c>train.devices</c>), or null.</param>
/// <param name="Reason">Why, in a few words.</param>
internal sealed record TrainingFit(string Kind, ActivationCheckpointing? Checkpointing, int? Gpus, string Reason)
{
    /// <summary>
    /// Tries LoRA then QLoRA (NF4 base), each with recomputation none, selective, full, on <paramref name="dev"/>,
    /// with <paramref name="inputs"/> (sequence length, rank, targets); the first that fits wins.
    /// </summary>
    public static TrainingFit Assess(CatalogueModel model, HardwareSpec dev, SizingInputs inputs)
    {
        if (model.IsMixtureOfExperts)
            return new TrainingFit("no", null, null, "mixture of experts: our network has no expert routing, so it cannot train it");
        var device = new GpuSpec(dev.ToString(), dev.Gpu.MemoryBytes, dev.Gpu.IsGpu);
        foreach (var quantization in new[] { WeightQuantization.None, WeightQuantization.Nf4 })
            foreach (var mode in HardwarePlan.Modes)
            {
                var plan = HardwarePlan.Compute(model.Name, model.Config, inputs with { Checkpointing = mode, Quantization = quantization }, [device]);
                var answer = plan.Devices[0];
                var gpus = dev.Gpu.IsGpu ? answer.TrainGpusPlaced : answer.TrainFitsOne ? 1 : null;
                if (gpus is not { } n || n > dev.Count) continue;
                var kind = quantization == WeightQuantization.Nf4 ? "qlora" : "lora";
                return new TrainingFit(kind, mode, n,
                    $"{kind} fits {n} of {dev} at {inputs.SeqLength} tokens with recompute {MemoryText.Mode(mode)} ({MemoryText.Bytes(answer.TrainBytesOne)} on one)");
            }
        return new TrainingFit("no", null, null, $"neither LoRA nor QLoRA fits {dev} at {inputs.SeqLength} tokens, even with full recomputation");
    }
}
