using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// AdamW with decoupled weight decay over the adapter parameters, float32 state. Written here rather than
/// using <c>torch.optim.AdamW</c> so that its whole state (step, first and second moments) is plain tensors
/// that a checkpoint saves and restores exactly, which bitwise-reproducible resume needs.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _state = [];

    /// <summary>Creates the optimizer over named parameters.</summary>
    public AdamW(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double beta1, double beta2, double eps, double weightDecay)
    {
        _parameters = parameters;
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        foreach (var (name, p) in parameters)
            _state[name] = (zeros_like(p, dtype: ScalarType.Float32), zeros_like(p, dtype: ScalarType.Float32));
    }

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
            var (m, v) = _state[name];
            p.mul_(1 - lr * WeightDecay);
            m.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
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

    /// <summary>State tensors by name (<c>{param}.exp_avg</c>, <c>{param}.exp_avg_sq</c>) for a checkpoint.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors() =>
        _state.SelectMany(s => new[] { KeyValuePair.Create($"{s.Key}.exp_avg", s.Value.M), KeyValuePair.Create($"{s.Key}.exp_avg_sq", s.Value.V) });

    /// <summary>Restores state saved by <see cref="StateTensors"/> and the step count.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> tensors, long steps)
    {
        using var noGrad = no_grad();
        foreach (var (name, (m, v)) in _state)
        {
            if (!tensors.TryGetValue($"{name}.exp_avg", out var savedM) || !tensors.TryGetValue($"{name}.exp_avg_sq", out var savedV))
                throw new InvalidDataException($"optimizer state for '{name}' is missing from the checkpoint");
            m.copy_(savedM);
            v.copy_(savedV);
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
            v.Dispose();
        }
    }
}
