using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Root-mean-square normalization as transformers computes it: the input is upcast to float32, scaled by
/// <c>rsqrt(mean(x²) + eps)</c>, cast back to the input dtype and multiplied by the learned weight.
/// </summary>
internal sealed class RmsNorm : nn.Module
{
    [TorchSharp.Utils.ComponentName(Name = "weight")]
    private Parameter _weight;
    private readonly double _eps;

    /// <summary>Creates the norm with a weight of ones (allocated on <paramref name="device"/>, which may be <c>meta</c>).</summary>
    public RmsNorm(long size, double eps, ScalarType dtype, Device device) : base("RmsNorm")
    {
        _eps = eps;
        _weight = new Parameter(ones(size, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>The learned scale, shape [size].</summary>
    public Parameter weight
    {
        get => _weight;
        set
        {
            _weight = value;
            ConditionallyRegisterParameter("weight", value);
        }
    }

    /// <summary>Normalizes <paramref name="input"/> [..., size] over its last axis.</summary>
    public Tensor Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var variance = x.pow(2).mean([-1L], keepdim: true);
        var normed = x * rsqrt(variance + _eps);
        return (_weight * normed.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
