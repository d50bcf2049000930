using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>Loads libtorch and selects devices; keeps the rest of the core device-agnostic.</summary>
public static class TorchRuntime
{
    /// <summary>Parses a device string (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) and checks it is available.</summary>
    public static Device ParseDevice(string device)
    {
        var parsed = torch.device(device);
        if (parsed.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new InvalidOperationException(
                $"device '{device}' requested but CUDA is not available; build with -p:TorchBackend=cuda on a machine with a GPU, or set train.device=cpu");
        return parsed;
    }

    /// <summary>A one-line description of the loaded libtorch: version, threads, CUDA.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}, " +
        $"{torch.get_num_threads()} threads, CUDA {(torch.cuda.is_available() ? "available" : "not available")}";
}
