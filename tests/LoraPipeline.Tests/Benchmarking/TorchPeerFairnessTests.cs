using LoraPipeline.Benchmarking;

namespace LoraPipeline.Tests.Benchmarking;

/// <summary>The PyTorch peer is refused when its BLAS or its matrix-product rate would make the ratio meaningless.</summary>
public sealed class TorchPeerFairnessTests
{
    private const string Reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
    private const string OpenBlas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3, /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so";

    [Test]
    public void TheReferenceBlasIsRefusedWithTheInstallHint()
    {
        var why = TorchPeerFairness.Refusal(Reference, 2.2e9, 104e9, "f32");
        Assert.That(why, Does.Contain("reference implementation").And.Contain("apt-get install python3-torch libopenblas0-pthread"));
    }

    [Test]
    public void ACrippledBf16ProductIsRefusedEvenWithOpenBlas()
    {
        var why = TorchPeerFairness.Refusal(OpenBlas, 2.5e9, 90e9, "bf16");
        Assert.That(why, Does.Contain("bf16").And.Contain("2.5 GFLOP/s").And.Contain("--dtype f32"));
    }

    [Test]
    public void OpenBlasInFloat32AtAComparableRateIsFair()
    {
        Assert.That(TorchPeerFairness.Refusal(OpenBlas, 109e9, 104e9, "f32"), Is.Null);
        Assert.That(TorchPeerFairness.Refusal("none mapped (statically linked, e.g. MKL in PyPI wheels)", 80e9, 104e9, "f32"), Is.Null);
    }
}
