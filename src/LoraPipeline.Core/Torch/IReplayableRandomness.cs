using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// A module that draws random numbers (dropout masks) from a generator of its own. Recomputation captures the
/// generator's state before a segment's forward and restores it before the replay, so the replay draws exactly the
/// masks the first forward drew and the gradients are those of the kept activations.
/// </summary>
internal interface IReplayableRandomness
{
    /// <summary>A copy of the generator's state, or null when the module draws nothing in its current mode.</summary>
    Tensor? CaptureRandomState();

    /// <summary>Puts the generator back into <paramref name="state"/> (from <see cref="CaptureRandomState"/>).</summary>
    void RestoreRandomState(Tensor state);
}
