namespace LoraPipeline.Selection;

/// <summary>
/// One accelerator as the roofline sees it. Catalogue GPUs carry data-sheet peaks and the stated efficiency factors
/// of <see cref="RooflineAssumptions"/>; <c>this-machine</c> carries what <see cref="MachineProfile"/> measured, so
/// its efficiencies are 1 (the measurement already is what is achieved).
/// </summary>
/// <param name="Name">Catalogue name (<c>H200</c>, <c>A100-80GB</c>, <c>this-machine</c>).</param>
/// <param name="MemoryBytes">Device memory.</param>
/// <param name="BandwidthBytesPerSecond">Memory bandwidth.</param>
/// <param name="Bf16Flops">Dense bf16 peak (FLOP/s).</param>
/// <param name="Fp8Flops">Dense fp8 peak, or null where the GPU has no fp8 tensor cores.</param>
/// <param name="LinkBytesPerSecond">GPU-to-GPU bandwidth per GPU, one way (tensor-parallel all-reduce).</param>
/// <param name="MemoryEfficiency">Share of the bandwidth a decode step reaches.</param>
/// <param name="ComputeEfficiency">Share of the peak a matrix product reaches.</param>
/// <param name="LayerOverheadSeconds">Fixed time per decoder layer and step (kernel launches, dispatch).</param>
/// <param name="StepOverheadSeconds">Fixed time per step outside the layers (embedding, head, sampling).</param>
/// <param name="F32Flops">float32 peak, where serving in float32 is asked for (this machine).</param>
/// <param name="IsGpu">False for this machine (one device, no tensor parallelism).</param>
/// <param name="ByBatch">This machine's bandwidth and overheads measured at each batch size, where measured by batch.</param>
internal sealed record GpuProfile(
    string Name, long MemoryBytes, double BandwidthBytesPerSecond, double Bf16Flops, double? Fp8Flops, double LinkBytesPerSecond,
    double MemoryEfficiency, double ComputeEfficiency, double LayerOverheadSeconds, double StepOverheadSeconds,
    double? F32Flops = null, bool IsGpu = true, IReadOnlyDictionary<int, BatchCalibration>? ByBatch = null)
{
    /// <summary>Bandwidth, layer and step overhead for a decode step of <paramref name="batch"/> sequences: the
    /// measurement at the largest measured batch not above it where this machine was measured by batch, else the flat values.</summary>
    public BatchCalibration At(int batch)
    {
        if (ByBatch is { Count: > 0 } measured)
        {
            var key = measured.Keys.Where(b => b <= batch).DefaultIfEmpty(measured.Keys.Min()).Max();
            return measured[key];
        }
        return new BatchCalibration(BandwidthBytesPerSecond, LayerOverheadSeconds, StepOverheadSeconds);
    }

    /// <summary>The peak for <paramref name="precision"/>, or null where the device lacks it.</summary>
    public double? PeakFlops(ServingPrecision precision) => precision switch
    {
        ServingPrecision.Fp8 => Fp8Flops,
        ServingPrecision.F32 => F32Flops ?? Bf16Flops / 2,
        _ => Bf16Flops,
    };
}

/// <summary>What this machine was measured to do at one batch size.</summary>
/// <param name="BandwidthBytesPerSecond">Weight bytes per second a linear layer streams at this batch.</param>
/// <param name="LayerOverheadSeconds">Fixed time per decoder layer and step at this batch.</param>
/// <param name="StepOverheadSeconds">Fixed time per step outside the layers at this batch.</param>
/// <param name="BandwidthByInFeatures">The same rate measured for linear layers of given input widths (a CPU's
/// matrix-vector product streams narrow rows more slowly), or null where only the 4096-wide probe was run.</param>
internal sealed record BatchCalibration(double BandwidthBytesPerSecond, double LayerOverheadSeconds, double StepOverheadSeconds,
    IReadOnlyDictionary<int, double>? BandwidthByInFeatures = null)
{
    /// <summary>The streaming rate for a linear layer <paramref name="inFeatures"/> wide: measured for that width, else the probe's.</summary>
    public double BandwidthFor(int inFeatures) =>
        BandwidthByInFeatures is { } byWidth && byWidth.TryGetValue(inFeatures, out var rate) ? rate : BandwidthBytesPerSecond;
}

/// <summary>Weight and KV-cache precision of serving.</summary>
internal enum ServingPrecision
{
    /// <summary>bfloat16 weights and cache (2 bytes).</summary>
    Bf16,
    /// <summary>fp8 weights and cache (1 byte), fp8 tensor cores (H100, H200, L40S).</summary>
    Fp8,
    /// <summary>float32 (4 bytes): what this CPU runs fastest.</summary>
    F32,
}

/// <summary>Bytes per element of each <see cref="ServingPrecision"/>.</summary>
internal static class ServingPrecisions
{
    /// <summary>Element size in bytes.</summary>
    public static int Bytes(this ServingPrecision precision) => precision switch
    {
        ServingPrecision.Fp8 => 1,
        ServingPrecision.F32 => 4,
        _ => 2,
    };
}
