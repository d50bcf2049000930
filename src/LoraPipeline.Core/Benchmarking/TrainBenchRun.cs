using LoraPipeline.Configuration;
using LoraPipeline.Data;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// How a <see cref="TrainBenchSession"/> trains besides its shapes: recomputation, LM-head chunk, packing, and the
/// records (random ones of the shape's length when null) with how many of them make one optimizer step.
/// </summary>
/// <param name="Checkpointing">What the backward pass recomputes.</param>
/// <param name="LossChunkTokens">Label positions per LM-head chunk (0 = one piece).</param>
/// <param name="PackLength">Row length examples are packed into (0 = unpacked).</param>
/// <param name="Records">Examples to cycle through, or null for the shape's random records.</param>
/// <param name="GlobalBatch">Examples per step (0 = the shape's micro batch).</param>
internal sealed record TrainBenchRun(
    ActivationCheckpointing Checkpointing = ActivationCheckpointing.None,
    int LossChunkTokens = 0,
    int PackLength = 0,
    IReadOnlyList<TokenRecord>? Records = null,
    int GlobalBatch = 0)
{
    /// <summary>The Trainer's defaults without packing or recomputation: the loss in one piece.</summary>
    public static readonly TrainBenchRun Plain = new();
}
