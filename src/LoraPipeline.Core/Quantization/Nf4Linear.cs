using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Quantization;

/// <summary>
/// A frozen linear projection whose weight stays 4-bit (<see cref="Nf4Weight"/>): each forward pass dequantizes the
/// weight into the input's dtype, multiplies and lets the full-precision copy go. When the input needs a gradient
/// (a LoRA layer upstream), the product runs as a custom autograd function that keeps nothing for backward and
/// dequantizes the weight again there (<c>dx = dy · W</c>), so training holds one layer's dequantized weight at a
/// time instead of all of them — QLoRA's memory contract. The weight is never trained. Its tensors are plain fields,
/// not buffers, so module-wide dtype conversions cannot touch the packed codes.
/// </summary>
internal sealed class Nf4Linear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? _bias;

    /// <summary>Wraps <paramref name="weight"/> (owned from now on) and an optional frozen <paramref name="bias"/>.</summary>
    public Nf4Linear(Nf4Weight weight, Tensor? bias = null) : base("nf4_linear")
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Length != 2) throw new ArgumentException($"a linear weight is 2-D, not [{string.Join(", ", weight.Shape)}]", nameof(weight));
        Weight = weight;
        if (bias is not null)
        {
            _bias = bias as Parameter ?? new Parameter(bias, requires_grad: false);
            _bias.requires_grad = false;
            register_parameter("bias", _bias);
        }
    }

    /// <summary>The 4-bit weight.</summary>
    public Nf4Weight Weight { get; }

    /// <summary>The frozen bias, if any.</summary>
    public Tensor? Bias => _bias;

    /// <summary>Output features (rows of the weight).</summary>
    public long OutFeatures => Weight.Shape[0];

    /// <summary>Input features (columns of the weight).</summary>
    public long InFeatures => Weight.Shape[1];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        Tensor output;
        if (is_grad_enabled() && input.requires_grad)
            output = Nf4MatMul.apply(this, input);
        else
        {
            using var w = Weight.Dequantize(input.dtype);
            output = nn.functional.linear(input, w);
        }
        if (_bias is null) return output;
        using (output)
            return output + _bias.to(output.dtype);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Weight.Dispose();
        base.Dispose(disposing);
    }

    // x · Wᵀ with W dequantized on the fly in both passes; the weight (a non-tensor argument) gets no gradient.
    private sealed class Nf4MatMul : autograd.SingleTensorFunction<Nf4MatMul>
    {
        public override string Name => "Nf4MatMul";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var layer = (Nf4Linear)vars[0];
            var input = (Tensor)vars[1];
            ctx.save_data("layer", layer);
            using var w = layer.Weight.Dequantize(input.dtype);
            return nn.functional.linear(input, w);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var layer = (Nf4Linear)ctx.get_data("layer");
            using var w = layer.Weight.Dequantize(gradOutput.dtype);
            return [null!, gradOutput.matmul(w)];
        }
    }
}
