using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;

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
/// <param name="TrainingByCheckpointing">Training estimates for none, selective and full recomputation, in that order.</param>
/// <param name="Serving">Serving estimate at the sequence length as context.</param>
/// <param name="Devices">Answers per device.</param>
internal sealed record HardwarePlan(
    string Model,
    ModelConfig Config,
    SizingInputs Inputs,
    TrainingEstimate Training,
    IReadOnlyList<TrainingEstimate> TrainingByCheckpointing,
    InferenceEstimate Serving,
    IReadOnlyList<DeviceAnswer> Devices)
{
    /// <summary>Estimates <paramref name="config"/> with <paramref name="inputs"/> against <paramref name="devices"/>
    /// (default: <see cref="GpuCatalog.Default"/>).</summary>
    public static HardwarePlan Compute(string model, ModelConfig config, SizingInputs inputs, IReadOnlyList<GpuSpec>? devices = null)
    {
        var byMode = Modes.Select(m => TrainingEstimate.Compute(config, inputs with { Checkpointing = m })).ToList();
        var training = byMode.Single(t => t.Checkpointing == inputs.Checkpointing);
        var serving = InferenceEstimate.Compute(config, inputs.ElementBytes, inputs.SeqLength);
        var degrees = GpuCatalog.TensorParallelDegrees.Where(n => config.NumAttentionHeads % n == 0).ToList();
        var costs = PlacementCosts.Compute(config, inputs);
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
            var gpus = byMode.Select(t => Fewest(n => Train(t, n))).ToList();
            var lightest = byMode.FindIndex(t => Train(t, 1) <= device.MemoryBytes);
            var placed = device.IsGpu ? Placed(costs, config.NumHiddenLayers, device.MemoryBytes) : null;
            return new DeviceAnswer(device.Name, device.MemoryBytes,
                Train(training, 1), Train(training, 1) <= device.MemoryBytes,
                gpus[0], gpus[1], gpus[2], lightest < 0 ? null : Modes[lightest],
                Serve(1), Serve(1) <= device.MemoryBytes, serveGpus, sequences, device.IsGpu,
                placed?.Count, placed);
        }).ToList();
        return new HardwarePlan(model, config, inputs, training, byMode, serving, answers);
    }

    /// <summary>
    /// Layers per device for the fewest devices (up to <paramref name="maxDevices"/>) of <paramref name="memoryBytes"/>
    /// each whose balanced layer blocks fit with workspace and the per-GPU constant, or null when that many do not.
    /// </summary>
    public static IReadOnlyList<int>? Placed(PlacementCosts costs, int layers, long memoryBytes, int maxDevices = 8)
    {
        ArgumentNullException.ThrowIfNull(costs);
        for (var k = 1; k <= Math.Min(maxDevices, layers); k++)
        {
            var placement = Modeling.LayerPlacement.Balance(Enumerable.Range(0, k).Select(i => $"cuda:{i}").ToList(),
                costs.EmbeddingBytes, costs.LayerBytes, costs.HeadBytes);
            if (placement.Loads(costs.EmbeddingBytes, costs.LayerBytes, costs.HeadBytes).All(l => FrameworkOverhead.DeviceBytes(l) <= memoryBytes))
                return placement.LayerCounts;
        }
        return null;
    }

    /// <summary>Recomputation modes from the most memory to the least (and from the least compute to the most).</summary>
    public static readonly IReadOnlyList<ActivationCheckpointing> Modes =
        [ActivationCheckpointing.None, ActivationCheckpointing.Selective, ActivationCheckpointing.Full];

    /// <summary>On this machine's RAM: the .NET runtime and libtorch's own footprint, about 0.5 GiB.</summary>
    public const long CpuConstantBytes = 512L << 20;
}
