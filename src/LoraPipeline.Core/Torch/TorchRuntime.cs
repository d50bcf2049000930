using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>Loads libtorch and selects devices; keeps the rest of the core device-agnostic.</summary>
internal static partial class TorchRuntime
{
    /// <summary>Whether <paramref name="device"/> is written as a device this project runs on: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> (no libtorch needed).</summary>
    public static bool IsDeviceName(string device) => DeviceName().IsMatch(device);

    /// <summary>Parses a device string (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) and checks it is available.</summary>
    public static Device ParseDevice(string device)
    {
        var match = DeviceName().Match(device);
        if (!match.Success) throw new InvalidOperationException($"device '{device}' is not a device; use cpu, cuda or cuda:N");
        if (match.Groups["type"].Value == "cuda")
        {
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"device '{device}' requested but CUDA is not available here; build with -p:TorchBackend=cuda on a machine with a GPU, or use cpu");
            var count = torch.cuda.device_count();
            if (match.Groups["index"].Success && int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture) >= count)
                throw new InvalidOperationException($"device '{device}' requested but this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1})");
        }
        return torch.device(device);
    }

    [GeneratedRegex(@"^(?<type>cpu|cuda)(:(?<index>[0-9]{1,3}))?$")]
    private static partial Regex DeviceName();

    /// <summary>A one-line description of the loaded libtorch: version, threads, CUDA.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}, " +
        $"{torch.get_num_threads()} threads, CUDA {(torch.cuda.is_available() ? "available" : "not available")}";
}
