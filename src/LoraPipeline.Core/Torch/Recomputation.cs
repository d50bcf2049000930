using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// Activation recomputation (gradient checkpointing) through TorchSharp's custom autograd functions
/// (<c>torch.autograd.SingleTensorFunction</c>, TorchSharp ≥ 0.102): the segment's forward runs without building a
/// graph, only its inputs are kept, and the backward pass runs the segment again with gradients enabled and
/// differentiates that replay. Trainable parameters the segment uses are inputs of the function, so their gradients
/// flow even when no input needs one (the first decoder layer reads the frozen embedding's output) — the case
/// PyTorch's reentrant checkpoint gets wrong. Random generators of <see cref="IReplayableRandomness"/> modules are
/// replayed, so results match the kept activations. TorchSharp's function node also keeps an uninitialised tensor
/// shaped like the output (to materialise zero gradients), so a segment costs its inputs plus one output-sized tensor.
/// </summary>
internal static class Recomputation
{
    /// <summary>
    /// <paramref name="forward"/> applied to <paramref name="inputs"/> (null entries allowed), recomputed in backward
    /// when gradients are on and something needs one; otherwise simply <paramref name="forward"/>(inputs).
    /// </summary>
    public static Tensor Run(Func<IReadOnlyList<Tensor?>, Tensor> forward, IReadOnlyList<Tensor?> inputs,
        IReadOnlyList<Tensor> parameters, IReadOnlyList<IReplayableRandomness> randomness)
    {
        ArgumentNullException.ThrowIfNull(forward);
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        if (!is_grad_enabled() || (!inputs.Any(t => t is not null && t.requires_grad) && trainable.Count == 0))
            return forward(inputs);
        var segment = new Segment(forward, inputs.Count, trainable, randomness);
        var arguments = new object?[1 + inputs.Count + trainable.Count];
        arguments[0] = segment;
        for (var i = 0; i < inputs.Count; i++) arguments[1 + i] = inputs[i];
        for (var i = 0; i < trainable.Count; i++) arguments[1 + inputs.Count + i] = trainable[i];
        return RecomputedFunction.apply(arguments!);
    }

    /// <summary>What the function needs again in backward (kept in the autograd context, not in a tensor).</summary>
    private sealed class Segment(Func<IReadOnlyList<Tensor?>, Tensor> forward, int inputCount, IReadOnlyList<Tensor> parameters,
        IReadOnlyList<IReplayableRandomness> randomness)
    {
        public Func<IReadOnlyList<Tensor?>, Tensor> Forward { get; } = forward;
        public int InputCount { get; } = inputCount;
        public IReadOnlyList<Tensor> Parameters { get; } = parameters;
        public IReadOnlyList<IReplayableRandomness> Randomness { get; } = randomness;
        public bool[] Present { get; set; } = [];
        public bool[] NeedsGradient { get; set; } = [];
        public Tensor?[] RandomStates { get; set; } = [];

        public Tensor?[] CaptureStates() =>
            Randomness.Select(r => r.CaptureRandomState()?.DetachFromDisposeScope()).ToArray();

        public void RestoreStates(Tensor?[] states)
        {
            for (var i = 0; i < states.Length; i++)
                if (states[i] is { } state) Randomness[i].RestoreRandomState(state);
        }
    }

    private sealed class RecomputedFunction : autograd.SingleTensorFunction<RecomputedFunction>
    {
        public override string Name => "Recomputation";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var segment = (Segment)vars[0];
            var inputs = Enumerable.Range(0, segment.InputCount).Select(i => vars[1 + i] as Tensor).ToArray();
            segment.Present = inputs.Select(t => t is not null).ToArray();
            segment.NeedsGradient = inputs.Select(t => t is not null && t.requires_grad).ToArray();
            segment.RandomStates = segment.CaptureStates();
            ctx.save_for_backward(inputs.Where(t => t is not null).ToList()!);
            ctx.save_data("segment", segment);
            // Runs without a graph: the function's apply has turned gradients off.
            return segment.Forward(inputs);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var segment = (Segment)ctx.get_data("segment");
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            var replayInputs = new Tensor?[segment.InputCount];
            for (int i = 0, next = 0; i < replayInputs.Length; i++)
            {
                if (!segment.Present[i]) continue;
                var detached = saved[next++].detach();
                replayInputs[i] = segment.NeedsGradient[i] ? detached.requires_grad_(true) : detached;
            }
            Tensor output;
            using (enable_grad())
            {
                var after = segment.CaptureStates();
                segment.RestoreStates(segment.RandomStates);
                output = segment.Forward(replayInputs);
                segment.RestoreStates(after);
                foreach (var state in after.Concat(segment.RandomStates)) state?.Dispose();
            }
            var wrt = replayInputs.Where((t, i) => segment.NeedsGradient[i]).Select(t => t!).Concat(segment.Parameters).ToList();
            var gradients = autograd.grad([output], wrt, [gradOutput], allow_unused: true);
            var result = new List<Tensor> { null! };
            var g = 0;
            for (var i = 0; i < segment.InputCount; i++)
                result.Add(segment.NeedsGradient[i] ? Usable(gradients[g++]) : null!);
            for (var i = 0; i < segment.Parameters.Count; i++) result.Add(Usable(gradients[g++]));
            foreach (var tensor in result) tensor?.MoveToOuterDisposeScope();
            return result;
        }

        // An unused input comes back as an undefined tensor: report it as no gradient.
        private static Tensor Usable(Tensor gradient) => gradient.IsInvalid ? null! : gradient;
    }
}
