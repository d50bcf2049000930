using LoraPipeline.Configuration;

namespace LoraPipeline.Sizing;

/// <summary>The plan's answer for one device.</summary>
/// <param name="Device">Device name.</param>
/// <param name="MemoryBytes">Its memory.</param>
/// <param name="TrainBytesOne">Training bytes on one device (the configured recomputation setting).</param>
/// <param name="TrainFitsOne">Whether training fits on one.</param>
/// <param name="TrainGpus">Fewest devices with tensor parallelism that fit training without recomputation, or null if eight do not.</param>
/// <param name="TrainGpusSelective">The same with selective recomputation (the attention core).</param>
/// <param name="TrainGpusFull">The same with full recomputation (each decoder layer).</param>
/// <param name="OneDeviceCheckpointing">The least recomputation with which training fits one device, or null when none does.</param>
/// <param name="ServeBytesOne">Serving bytes on one device for one sequence at the context length.</param>
/// <param name="ServeFitsOne">Whether serving one sequence fits on one.</param>
/// <param name="ServeGpus">Fewest devices with tensor parallelism that serve one sequence, or null if eight do not.</param>
/// <param name="ServeSequences">Concurrent sequences at the context length on <paramref name="ServeGpus"/> devices.</param>
/// <param name="IsGpu">False for this machine's RAM, where only one device is considered.</param>
/// <param name="TrainGpusPlaced">Fewest devices that fit training with the configured recomputation when the decoder
/// layers are spread over them in balanced blocks (<c>train.devices</c>, no tensor parallelism), or null if eight do not.</param>
/// <param name="PlacedLayers">Decoder layers per device of that placement, first to last.</param>
internal sealed record DeviceAnswer(
    string Device,
    long MemoryBytes,
    long TrainBytesOne,
    bool TrainFitsOne,
    int? TrainGpus,
    int? TrainGpusSelective,
    int? TrainGpusFull,
    ActivationCheckpointing? OneDeviceCheckpointing,
    long ServeBytesOne,
    bool ServeFitsOne,
    int? ServeGpus,
    int ServeSequences,
    bool IsGpu,
    int? TrainGpusPlaced = null,
    IReadOnlyList<int>? PlacedLayers = null);
