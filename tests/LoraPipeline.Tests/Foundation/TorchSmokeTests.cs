using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Foundation;

/// <summary>libtorch loads from the build output (with the GLIBCXX fix where needed) and computes.</summary>
public class TorchSmokeTests
{
    [Test]
    public void MatrixProductAndBackwardPassAreCorrect()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);
        var w = tensor(new float[] { 0.5f, -1, 2, 1, 0, -0.5f }).reshape(3, 2).requires_grad_();
        var y = x.matmul(w);
        // Hand-worked: row 0 = [1*0.5+2*2+3*0, 1*-1+2*1+3*-0.5] = [4.5, -0.5]; row 1 = [2+10+0, -4+5-3] = [12, -2].
        Assert.That(y.data<float>().ToArray(), Is.EqualTo(new[] { 4.5f, -0.5f, 12f, -2f }));

        y.sum().backward();
        // d(sum(x @ w))/dw[i, j] = sum over rows of x[:, i] = [5, 7, 9] repeated over j.
        var grad = w.grad!;
        Assert.That(grad.data<float>().ToArray(), Is.EqualTo(new[] { 5f, 5f, 7f, 7f, 9f, 9f }));
    }

    [Test]
    public void Bfloat16TensorsComputeWithinBf16Precision()
    {
        using var scope = NewDisposeScope();
        var a = ones(64, 64, dtype: ScalarType.BFloat16);
        var product = a.matmul(a).to(ScalarType.Float32);
        Assert.That(product.max().item<float>(), Is.EqualTo(64f));
        Assert.That(product.min().item<float>(), Is.EqualTo(64f));
    }
}
