using Spectre.Console;

namespace LoraPipeline.Sizing;

/// <summary>Prints a <see cref="HardwarePlan"/> as console tables.</summary>
internal static class PlanTable
{
    /// <summary>Writes the plan's summary and device table to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, HardwarePlan plan)
    {
        var t = plan.Training;
        console.WriteLine(
            $"{plan.Model}: {MemoryText.Parameters(t.FrozenParameters)} parameters, adapters {MemoryText.Parameters(t.AdapterParameters)}; " +
            $"training tensors {MemoryText.Bytes(t.TensorBytes)} (weights {MemoryText.Bytes(t.FrozenWeightBytes)}" +
            (plan.Inputs.Quantization == Configuration.WeightQuantization.Nf4 ? $" with NF4 projections, one dequantized at a time {MemoryText.Bytes(t.DequantizationBytes)}" : "") + ", adapter state " +
            $"{MemoryText.Bytes(t.AdapterWeightBytes + t.AdapterGradientBytes + t.OptimizerStateBytes)}, activations {MemoryText.Bytes(t.ActivationBytes)}" +
            $" with recomputation {MemoryText.Mode(t.Checkpointing)}; by recomputation " +
            string.Join(", ", plan.TrainingByCheckpointing.Select(m => $"{MemoryText.Mode(m.Checkpointing)} {MemoryText.Bytes(m.ActivationBytes)}")) + ")");
        var s = plan.Serving;
        console.WriteLine(
            $"serving: weights {MemoryText.Bytes(s.WeightBytes)}, KV cache {s.KvBytesPerToken / 1024.0:0.#} KiB/token, " +
            $"{MemoryText.Bytes(s.KvBytesPerSequence)} per sequence of {s.ContextLength} tokens");
        var table = new Table().AddColumns("device", "train on one", "fits one with", "train GPUs (TP): none / selective / full",
            $"train GPUs (layers placed, {MemoryText.Mode(plan.Inputs.Checkpointing)})", "serve on one", "serve GPUs (TP)", "sequences");
        foreach (var d in plan.Devices)
            table.AddRow(
                Markup.Escape(d.Device),
                $"{(d.TrainFitsOne ? "yes" : "no")} ({MemoryText.Bytes(d.TrainBytesOne)})",
                MemoryText.Mode(d.OneDeviceCheckpointing),
                $"{MemoryText.Count(d.TrainGpus, d.IsGpu)} / {MemoryText.Count(d.TrainGpusSelective, d.IsGpu)} / {MemoryText.Count(d.TrainGpusFull, d.IsGpu)}",
                MemoryText.Placement(d),
                $"{(d.ServeFitsOne ? "yes" : "no")} ({MemoryText.Bytes(d.ServeBytesOne)})",
                MemoryText.Count(d.ServeGpus, d.IsGpu),
                d.ServeSequences.ToString(System.Globalization.CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
