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
internal sealed record GpuProfile(
    string Name, long MemoryBytes, double BandwidthBytesPerSecond, double Bf16Flops, double? Fp8Flops, double LinkBytesPerSecond,
    double MemoryEfficiency, double ComputeEfficiency, double LayerOverheadSeconds, double StepOverheadSeconds,
    double? F32Flops = null, bool IsGpu = true)
{
    /// <summary>The peak for <paramref name="precision"/>, or null where the device lacks it.</summary>
    public double? PeakFlops(ServingPrecision precision) => precision switch
    {
        ServingPrecision.Fp8 => Fp8Flops,
        ServingPrecision.F32 => F32Flops ?? Bf16Flops / 2,
        _ => Bf16Flops,
    };
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
