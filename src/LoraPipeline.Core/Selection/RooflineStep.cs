namespace LoraPipeline.Selection;

/// <summary>The time of one forward step by part (seconds).</summary>
/// <param name="MemorySeconds">Bytes read over the achieved bandwidth.</param>
/// <param name="ComputeSeconds">FLOPs over the achieved peak.</param>
/// <param name="CommunicationSeconds">Tensor-parallel all-reduces.</param>
/// <param name="OverheadSeconds">Fixed per-layer and per-step time.</param>
internal sealed record RooflineStep(double MemorySeconds, double ComputeSeconds, double CommunicationSeconds, double OverheadSeconds)
{
    /// <summary>The step: the slower of memory and compute, then communication and overhead, which do not overlap.</summary>
    public double Seconds => Math.Max(MemorySeconds, ComputeSeconds) + CommunicationSeconds + OverheadSeconds;

    /// <summary>What bounds it: memory, compute, or overhead when that is the largest part.</summary>
    public string Bound =>
        OverheadSeconds + CommunicationSeconds > Math.Max(MemorySeconds, ComputeSeconds) ? "overhead"
        : MemorySeconds >= ComputeSeconds ? "memory" : "compute";
}
