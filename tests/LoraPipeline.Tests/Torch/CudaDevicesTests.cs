using LoraPipeline.Tests.Support;
using LoraPipeline.Torch;

namespace LoraPipeline.Tests.Torch;

public class CudaDevicesTests
{
    [Test]
    public void NvidiaSmiCsvIsReadIntoNameMemoryAndComputeCapability()
    {
        // The shape of `nvidia-smi --query-gpu=index,name,memory.total,compute_cap --format=csv,noheader,nounits`.
        const string csv = "0, NVIDIA H100 80GB HBM3, 81559, 9.0\n1, NVIDIA A100-SXM4-40GB, 40960, 8.0\n2, Tesla K80, 11441, [N/A]\nnot a line\n";
        var devices = CudaDevices.ParseSmi(csv);
        Assert.That(devices, Has.Count.EqualTo(3));
        Assert.That(devices[0], Is.EqualTo(new CudaDevice(0, "NVIDIA H100 80GB HBM3", 81559L << 20, "9.0")));
        Assert.That(devices[1].ComputeCapability, Is.EqualTo("8.0"));
        Assert.That(devices[2].ComputeCapability, Is.Null);
        Assert.That(CudaDevices.Describe(devices[0]), Is.EqualTo("cuda:0: NVIDIA H100 80GB HBM3, 79.6 GiB, compute capability 9.0"));
    }

    [Test]
    [Category("Integration")]
    public void LoraInfoSaysWhetherThereAreCudaDevices()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "info");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("CUDA devices:"));
        if (!result.StdOut.Contains("CUDA available", StringComparison.Ordinal))
            Assert.That(result.StdOut, Does.Contain("CUDA devices: none"));
    }
}
