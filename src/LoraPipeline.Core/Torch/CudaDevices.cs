using System.Diagnostics;
using System.Globalization;

namespace LoraPipeline.Torch;

/// <summary>One CUDA device as <c>lora info</c> lists it.</summary>
/// <param name="Index">The CUDA ordinal (<c>cuda:N</c>).</param>
/// <param name="Name">The product name, when known.</param>
/// <param name="MemoryBytes">Total device memory, when known.</param>
/// <param name="ComputeCapability">Major.minor (e.g. <c>9.0</c> for Hopper), when known.</param>
internal sealed record CudaDevice(int Index, string? Name, long? MemoryBytes, string? ComputeCapability);

/// <summary>
/// The CUDA devices this process can use. libtorch (through TorchSharp) says how many there are but TorchSharp
/// exposes no device properties, so name, memory and compute capability come from the driver's <c>nvidia-smi</c>
/// when it is on the PATH (the same ordinals unless <c>CUDA_VISIBLE_DEVICES</c> reorders them, which is noted).
/// </summary>
internal static class CudaDevices
{
    /// <summary>The query whose CSV <see cref="ParseSmi"/> reads.</summary>
    public const string SmiArguments = "--query-gpu=index,name,memory.total,compute_cap --format=csv,noheader,nounits";

    /// <summary>Devices libtorch sees, with the properties <c>nvidia-smi</c> reports; empty without CUDA.</summary>
    public static IReadOnlyList<CudaDevice> List()
    {
        var count = TorchSharp.torch.cuda.is_available() ? TorchSharp.torch.cuda.device_count() : 0;
        if (count == 0) return [];
        var properties = ParseSmi(RunSmi() ?? "").ToDictionary(d => d.Index);
        return Enumerable.Range(0, count).Select(i => properties.TryGetValue(i, out var p) ? p : new CudaDevice(i, null, null, null)).ToList();
    }

    /// <summary>
    /// Reads <c>nvidia-smi</c>'s CSV for <see cref="SmiArguments"/>: one line per GPU, <c>index, name, MiB, major.minor</c>
    /// (fields it cannot tell are <c>[N/A]</c>); unreadable lines are skipped.
    /// </summary>
    public static IReadOnlyList<CudaDevice> ParseSmi(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var result = new List<CudaDevice>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length < 4 || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)) continue;
            long? memory = long.TryParse(fields[^2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) ? mib << 20 : null;
            var name = string.Join(",", fields[1..^2]);
            var capability = fields[^1].StartsWith('[') ? null : fields[^1];
            result.Add(new CudaDevice(index, name, memory, capability));
        }
        return result;
    }

    /// <summary>One line per device for <c>lora info</c>.</summary>
    public static string Describe(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var memory = device.MemoryBytes is { } bytes ? $"{bytes / (double)(1L << 30):0.0} GiB" : "memory unknown";
        var capability = device.ComputeCapability is { } c ? $"compute capability {c}" : "compute capability unknown";
        return $"cuda:{device.Index}: {device.Name ?? "(nvidia-smi not found)"}, {memory}, {capability}";
    }

    private static string? RunSmi()
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", SmiArguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
