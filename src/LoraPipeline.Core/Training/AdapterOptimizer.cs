using LoraPipeline.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// The optimizer over the adapter parameters, float32 state: AdamW (decoupled weight decay, the default), Adam (weight
/// decay added to the gradient, as <c>torch.optim.Adam</c>) or SGD with momentum (as <c>torch.optim.SGD</c>, no dampening).
/// Written here rather than using <c>torch.optim</c> so that its whole state (step, moments or momentum buffer) is plain
/// tensors that a checkpoint saves and restores exactly, which bitwise-reproducible resume needs.
/// </summary>
internal sealed class AdapterOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor? V)> _state = [];

    /// <summary>Creates the optimizer over named parameters.</summary>
    /// <param name="parameters">Named parameters.</param>
    /// <param name="beta1">Adam β1 (unused by SGD).</param>
    /// <param name="beta2">Adam β2 (unused by SGD).</param>
    /// <param name="eps">Adam ε (unused by SGD).</param>
    /// <param name="weightDecay">Weight decay: decoupled for AdamW, added to the gradient for Adam and SGD.</param>
    /// <param name="kind">Which update.</param>
    /// <param name="momentum">SGD momentum.</param>
    public AdapterOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double beta1, double beta2, double eps, double weightDecay,
        OptimizerKind kind = OptimizerKind.Adamw, double momentum = 0.9)
    {
        _parameters = parameters;
        (Beta1, Beta2, Eps, WeightDecay, Kind, Momentum) = (beta1, beta2, eps, weightDecay, kind, momentum);
        // SGD keeps one buffer (momentum) and none without momentum, as torch.optim.SGD; Adam and AdamW two moments.
        // The Plan sizes them so (TrainingEstimate.OptimizerStateBytesPerParameter).
        if (IsStateless) return;
        foreach (var (name, p) in parameters)
            _state[name] = (zeros_like(p, dtype: ScalarType.Float32), kind == OptimizerKind.Sgd ? null : zeros_like(p, dtype: ScalarType.Float32));
    }

    /// <summary>Which update.</summary>
    public OptimizerKind Kind { get; }
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; }

    // SGD without momentum is plain gradient descent: no buffer to keep, update or checkpoint.
    private bool IsStateless => Kind == OptimizerKind.Sgd && Momentum == 0;
    /// <summary>β1.</summary>
    public double Beta1 { get; }
    /// <summary>β2.</summary>
    public double Beta2 { get; }
    /// <summary>ε.</summary>
    public double Eps { get; }
    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; }
    /// <summary>Steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr)
    {
        Steps++;
        var bias1 = 1 - Math.Pow(Beta1, Steps);
        var bias2 = 1 - Math.Pow(Beta2, Steps);
        using var noGrad = no_grad();
        foreach (var (name, p) in _parameters)
        {
            if (p.grad is not { } grad) continue;
            using var scope = NewDisposeScope();
            if (Kind == OptimizerKind.Sgd)
            {
                // torch.optim.SGD: d = g + wd*p; buf = mu*buf + d (buf = d at the first step: buf starts at 0); p -= lr*buf.
                var d = WeightDecay > 0 ? grad.add(p, alpha: WeightDecay) : grad;
                if (IsStateless) { p.add_(d, alpha: -lr); continue; }
                var buffer = _state[name].M;
                buffer.mul_(Momentum).add_(d);
                p.add_(buffer, alpha: -lr);
                continue;
            }
            var (m, v) = _state[name];
            if (Kind == OptimizerKind.Adamw) p.mul_(1 - lr * WeightDecay);
            else if (WeightDecay > 0) grad = grad.add(p, alpha: WeightDecay);
            m.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            v!.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            var denominator = v.sqrt().div_(Math.Sqrt(bias2)).add_(Eps);
            p.addcdiv_(m, denominator, value: -lr / bias1);
        }
    }

    /// <summary>Clears gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters)
            if (p.grad is { } grad) { grad.zero_(); }
    }

    /// <summary>State tensors by name for a checkpoint: <c>{param}.exp_avg</c> and <c>{param}.exp_avg_sq</c> (Adam, AdamW) or
    /// <c>{param}.momentum_buffer</c> (SGD with momentum; nothing without), torch.optim's names.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors() => Kind == OptimizerKind.Sgd
        ? _state.Select(s => KeyValuePair.Create($"{s.Key}.momentum_buffer", s.Value.M))
        : _state.SelectMany(s => new[] { KeyValuePair.Create($"{s.Key}.exp_avg", s.Value.M), KeyValuePair.Create($"{s.Key}.exp_avg_sq", s.Value.V!) });

    /// <summary>Restores state saved by <see cref="StateTensors"/> and the step count (SGD without momentum has none to restore,
    /// and ignores the zero-momentum buffers older checkpoints hold).</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> tensors, long steps)
    {
        using var noGrad = no_grad();
        foreach (var (name, (m, v)) in _state)
        {
            if (Kind == OptimizerKind.Sgd)
            {
                if (!tensors.TryGetValue($"{name}.momentum_buffer", out var buffer))
                    throw new InvalidDataException($"SGD momentum buffer for '{name}' is missing from the checkpoint");
                m.copy_(buffer);
                continue;
            }
            if (!tensors.TryGetValue($"{name}.exp_avg", out var savedM) || !tensors.TryGetValue($"{name}.exp_avg_sq", out var savedV))
                throw new InvalidDataException($"optimizer state for '{name}' is missing from the checkpoint");
            m.copy_(savedM);
            v!.copy_(savedV);
        }
        Steps = steps;
    }

    /// <summary>Global L2 norm of the gradients; scales them down to <paramref name="maxNorm"/> when larger (0 disables).</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = _parameters.Select(p => p.Parameter.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        // Norms gathered on the first gradient's device (layers may be spread over devices; a no-op on one).
        var total = stack(grads.Select(g => g.to(ScalarType.Float32).norm().to(grads[0].device)).ToArray()).norm().item<float>();
        if (maxNorm > 0 && total > maxNorm)
            foreach (var g in grads) g.mul_(maxNorm / (total + 1e-6));
        return total;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (m, v) in _state.Values)
        {
            m.Dispose();
            v?.Dispose();
        }
    }
}
