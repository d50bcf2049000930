using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Sizing;

/// <summary>
/// The sizing step: estimates for training and serving a model, and for each device of a catalogue how many
/// are needed. Without tensor parallelism the answer is whether one device holds it; with tensor parallelism it
/// is the smallest degree in 1, 2, 4, 8 (dividing the attention heads) whose per-device share fits, the weights,
/// adapter state, activations and KV cache split evenly and the per-GPU constant paid on each.
/// </summary>
/// <param name="Model">A name for the model.</param>
/// <param name="Config">Its architecture.</param>
/// <param name="Inputs">The settings.</param>
/// <param name="Training">Training estimate with the configured recomputation setting.</param>
/// <param name="TrainingWithoutRecompute">Training estimate without recomputation.</param>
/// <param name="TrainingWithRecompute">Training estimate with recomputation.</param>
/// <param name="Serving">Serving estimate at the sequence length as context.</param>
/// <param name="Devices">Answers per device.</param>
internal sealed record HardwarePlan(
    string Model,
    ModelConfig Config,
    SizingInputs Inputs,
    TrainingEstimate Training,
    TrainingEstimate TrainingWithoutRecompute,
    TrainingEstimate TrainingWithRecompute,
    InferenceEstimate Serving,
    IReadOnlyList<DeviceAnswer> Devices)
{
    /// <summary>Estimates <paramref name="config"/> with <paramref name="inputs"/> against <paramref name="devices"/>
    /// (default: <see cref="GpuCatalog.Default"/>).</summary>
    public static HardwarePlan Compute(string model, ModelConfig config, SizingInputs inputs, IReadOnlyList<GpuSpec>? devices = null)
    {
        var without = TrainingEstimate.Compute(config, inputs with { Recompute = false });
        var with = TrainingEstimate.Compute(config, inputs with { Recompute = true });
        var training = inputs.Recompute ? with : without;
        var serving = InferenceEstimate.Compute(config, inputs.ElementBytes, inputs.SeqLength);
        var degrees = GpuCatalog.TensorParallelDegrees.Where(n => config.NumAttentionHeads % n == 0).ToList();
        var answers = (devices ?? GpuCatalog.Default()).Select(device =>
        {
            long Train(TrainingEstimate t, int n) =>
                device.IsGpu ? t.PerGpuBytes(n) : FrameworkOverhead.DeviceBytes(t.TensorBytes, CpuConstantBytes);
            long Serve(int n) =>
                device.IsGpu ? serving.PerGpuBytes(n, 1) : FrameworkOverhead.DeviceBytes(serving.WeightBytes + serving.KvBytesPerSequence + serving.PrefillWorkspaceBytes, CpuConstantBytes);
            var usable = device.IsGpu ? degrees : [1];
            int? Fewest(Func<int, long> bytes) => usable.Where(n => bytes(n) <= device.MemoryBytes).Select(n => (int?)n).FirstOrDefault();
            var serveGpus = Fewest(Serve);
            var sequences = serveGpus is { } g
                ? device.IsGpu ? serving.MaxSequences(device.MemoryBytes, g) : 1
                : 0;
            return new DeviceAnswer(device.Name, device.MemoryBytes,
                Train(training, 1), Train(training, 1) <= device.MemoryBytes,
                Fewest(n => Train(without, n)), Fewest(n => Train(with, n)),
                Serve(1), Serve(1) <= device.MemoryBytes, serveGpus, sequences, device.IsGpu);
        }).ToList();
        return new HardwarePlan(model, config, inputs, training, without, with, serving, answers);
    }

    /// <summary>On this machine's RAM: the .NET runtime and libtorch's own footprint, about 0.5 GiB.</summary>
    public const long CpuConstantBytes = 512L << 20;
}
