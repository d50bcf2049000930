using LoraPipeline.Configuration;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Sizing;

/// <summary>Writes a <see cref="HardwarePlan"/> as <c>plan.json</c> (bytes, snake_case keys) and <c>plan.md</c>.</summary>
internal static class PlanReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The plan as JSON text.</summary>
    public static string ToJson(HardwarePlan plan)
    {
        var c = plan.Config;
        var document = new
        {
            Model = plan.Model,
            Architecture = c.ArchitectureName,
            Parameters = plan.Training.FrozenParameters,
            Settings = new
            {
                plan.Inputs.SeqLength,
                plan.Inputs.MicroBatchSize,
                PeftScheme = ConfigNaming.EnumName(plan.Inputs.Scheme),
                plan.Inputs.VirtualTokens,
                plan.Inputs.LoraR,
                plan.Inputs.TargetModules,
                Dtype = plan.Inputs.Dtype.ToString().ToLowerInvariant(),
                ActivationCheckpointing = MemoryText.Mode(plan.Inputs.Checkpointing),
                plan.Inputs.Packing,
                plan.Inputs.LossChunkTokens,
                LossTokensPerSequence = plan.Inputs.LossTokens ?? plan.Inputs.SeqLength,
                Quantization = ConfigNaming.EnumName(plan.Inputs.Quantization),
                plan.Inputs.FullPrecisionProjectionParameters,
            },
            Assumptions = new
            {
                GpuConstantBytes = FrameworkOverhead.GpuConstantBytes,
                CpuConstantBytes = HardwarePlan.CpuConstantBytes,
                FrameworkOverhead.WorkspaceShare,
                Attention = plan.Inputs.HasAttentionMask
                    ? "fused kernel under a mask (no seq x seq scores kept; the kernel's additive mask is)"
                    : "fused kernel, causal without a mask tensor (one unpacked row)",
                TensorParallel = "weights, adapter state, activations (sequence parallel) and KV cache split evenly",
            },
            Training = Training(plan.Training),
            TrainingByCheckpointing = plan.TrainingByCheckpointing.Select(Training).ToList(),
            Serving = new
            {
                plan.Serving.WeightBytes,
                plan.Serving.KvBytesPerToken,
                plan.Serving.ContextLength,
                plan.Serving.KvBytesPerSequence,
                plan.Serving.PrefillWorkspaceBytes,
            },
            Devices = plan.Devices,
        };
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    private static object Training(TrainingEstimate t) => new
    {
        ActivationCheckpointing = MemoryText.Mode(t.Checkpointing),
        t.FrozenParameters,
        t.FrozenWeightBytes,
        t.AdapterParameters,
        t.AdapterWeightBytes,
        t.AdapterGradientBytes,
        t.OptimizerStateBytes,
        t.ActivationBytes,
        t.DequantizationBytes,
        t.TensorBytes,
        OneGpuBytes = t.PerGpuBytes(1),
    };

    /// <summary>The plan as Markdown.</summary>
    public static string ToMarkdown(HardwarePlan plan)
    {
        var i = plan.Inputs;
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"# Hardware plan: {plan.Model}");
        b.AppendLine();
        var scheme = i.Scheme == PeftScheme.Ptuning
            ? string.Create(CultureInfo.InvariantCulture, $"P-tuning with {i.VirtualTokens} virtual tokens (in the sequence)")
            : string.Create(CultureInfo.InvariantCulture, $"LoRA r {i.LoraR} on {string.Join(", ", i.TargetModules)}");
        b.AppendLine(CultureInfo.InvariantCulture,
            $"{plan.Config.ArchitectureName}, {MemoryText.Parameters(plan.Training.FrozenParameters)} parameters; " +
            $"{i.Dtype.ToString().ToLowerInvariant()}, sequence {i.SeqLength}, micro batch {i.MicroBatchSize}, {scheme}" +
            $", recomputation {MemoryText.Mode(i.Checkpointing)}, packing {(i.Packing ? "on" : "off")}, logits for {i.LossTokens?.ToString(CultureInfo.InvariantCulture) ?? "every"} token(s) per sequence" +
            $"{(i.LossChunkTokens > 0 ? $" in chunks of {i.LossChunkTokens}" : " in one piece")}.");
        b.AppendLine();
        b.AppendLine("## Training (one replica)");
        b.AppendLine();
        var modes = plan.TrainingByCheckpointing;
        b.AppendLine("| part | " + string.Join(" | ", modes.Select(m => $"recompute {MemoryText.Mode(m.Checkpointing)}")) + " |");
        b.AppendLine("| --- |" + string.Concat(modes.Select(_ => " ---: |")));
        var dtype = i.Dtype.ToString().ToLowerInvariant();
        Row(b, i.Quantization == WeightQuantization.Nf4 ? $"frozen weights (nf4 projections, rest {dtype})" : $"frozen weights ({dtype})", modes.Select(m => m.FrozenWeightBytes));
        Row(b, $"adapter weights (f32, {MemoryText.Parameters(modes[0].AdapterParameters)})", modes.Select(m => m.AdapterWeightBytes));
        Row(b, "adapter gradients (f32)", modes.Select(m => m.AdapterGradientBytes));
        Row(b, "optimizer state (f32)", modes.Select(m => m.OptimizerStateBytes));
        Row(b, "activations", modes.Select(m => m.ActivationBytes));
        if (i.Quantization == WeightQuantization.Nf4) Row(b, "dequantized projection (one at a time)", modes.Select(m => m.DequantizationBytes));
        Row(b, "one GPU incl. 1 GiB constant + 10 % workspace", modes.Select(m => m.PerGpuBytes(1)));
        b.AppendLine();
        b.AppendLine("## Serving");
        b.AppendLine();
        var s = plan.Serving;
        b.AppendLine(CultureInfo.InvariantCulture,
            $"Weights {MemoryText.Bytes(s.WeightBytes)}; KV cache {s.KvBytesPerToken / 1024.0:0.#} KiB per token, " +
            $"{MemoryText.Bytes(s.KvBytesPerSequence)} per sequence of {s.ContextLength} tokens; prefill workspace {MemoryText.Bytes(s.PrefillWorkspaceBytes)}.");
        b.AppendLine();
        b.AppendLine("## Devices");
        b.AppendLine();
        b.AppendLine($"| device | train on one | fits one with recompute | train GPUs (TP): none / selective / full | train GPUs (layers placed, {MemoryText.Mode(i.Checkpointing)}) | serve on one | serve GPUs (TP) | sequences at context |");
        b.AppendLine("| --- | --- | --- | ---: | ---: | --- | ---: | ---: |");
        foreach (var d in plan.Devices)
            b.AppendLine(CultureInfo.InvariantCulture,
                $"| {d.Device} | {Fits(d.TrainFitsOne, d.TrainBytesOne)} | {MemoryText.Mode(d.OneDeviceCheckpointing)} | " +
                $"{MemoryText.Count(d.TrainGpus, d.IsGpu)} / {MemoryText.Count(d.TrainGpusSelective, d.IsGpu)} / {MemoryText.Count(d.TrainGpusFull, d.IsGpu)} | " +
                $"{MemoryText.Placement(d)} | " +
                $"{Fits(d.ServeFitsOne, d.ServeBytesOne)} | {MemoryText.Count(d.ServeGpus, d.IsGpu)} | {d.ServeSequences} |");
        b.AppendLine();
        b.AppendLine("Activations are counted tensor by tensor (see `Sizing/ActivationModel.cs`); tensor parallelism splits " +
                     "weights, adapter state, activations (sequence parallel) and KV cache evenly, each GPU paying the 1 GiB constant. " +
                     "Layer placement (`train.devices`) gives each GPU a block of whole layers with their weights, adapter state and activations, " +
                     "the embedding to the first and the norm, LM head and loss to the last (`Sizing/PlacementCosts.cs`), each with 10 % workspace and the constant. " +
                     "\"this machine's RAM\" uses a 0.5 GiB process constant and no tensor parallelism." +
                     (i.Quantization == WeightQuantization.Nf4
                         ? $" QLoRA: decoder projections stored NF4 with double quantization at {QuantizedWeights.BytesPerParameter:0.0000} bytes per parameter " +
                           "(bitsandbytes' layout: 4-bit codes, 8-bit absmax per 64 values, float32 per 256 absmax), embeddings, norms and LM head in the compute dtype, " +
                           "each projection dequantized when used and freed after it (forward and backward); serving is estimated for the full-precision merged model." +
                           (i.FullPrecisionProjectionParameters > 0
                               ? string.Create(CultureInfo.InvariantCulture, $" The checkpoint keeps {i.FullPrecisionProjectionParameters:N0} projection parameters in full precision (llm_int8_skip_modules), counted in the compute dtype.")
                               : "")
                         : ""));
        return b.ToString();
    }

    /// <summary>Writes <c>plan.json</c> and <c>plan.md</c> into <paramref name="directory"/> atomically.</summary>
    public static void Write(HardwarePlan plan, string directory)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, "plan.json"), ToJson(plan));
        AtomicFile.WriteAllText(Path.Combine(directory, "plan.md"), ToMarkdown(plan));
    }

    private static string Fits(bool fits, long bytes) => $"{(fits ? "yes" : "no")} ({MemoryText.Bytes(bytes)})";

    private static void Row(StringBuilder b, string name, IEnumerable<long> bytes) =>
        b.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", bytes.Select(MemoryText.Bytes))} |");
}
