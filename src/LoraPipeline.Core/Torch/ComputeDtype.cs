using TorchSharp;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LoraPipeline.Configuration;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// Resolves <c>train.precision</c> to a compute dtype. On a CPU, bfloat16 products may be hundreds of times slower
/// than float32 ones (no bf16 instructions: 0.3 vs 104 GFLOP/s measured on an AMD Zen 2), or faster (AVX-512 BF16),
/// so <c>auto</c> measures both once per machine, caches the rates, and takes the faster; an explicit <c>bf16</c> on
/// a CPU that is slow at it is kept but warned about with the measured ratio. CUDA devices take bfloat16 for auto.
/// </summary>
internal static class ComputeDtype
{
    /// <summary>From this float32/bfloat16 speed ratio on, an explicit bf16 gets a warning.</summary>
    public const double SlowBf16Ratio = 2.0;

    /// <summary>The dtype for <paramref name="precision"/> on <paramref name="device"/>; each decision is one line to <paramref name="log"/>.</summary>
    public static ScalarType Resolve(ComputePrecision precision, Device device, Action<string> log, string? cacheFile = null)
    {
        if (precision == ComputePrecision.F32) return ScalarType.Float32;
        if (device.type != DeviceType.CPU)
        {
            if (precision == ComputePrecision.Auto) log($"precision auto: bf16 (device {device})");
            return ScalarType.BFloat16;
        }
        var (rates, cached) = CpuRates(cacheFile ?? DefaultCacheFile());
        var source = cached ? "cached" : "measured now";
        if (precision == ComputePrecision.Bf16)
        {
            if (rates.F32OverBf16 >= SlowBf16Ratio)
                log(FormattableString.Invariant(
                    $"warning: train.precision=bf16 on a CPU that multiplies bf16 {rates.F32OverBf16:0.#}x slower than f32 ({rates.Describe()}, {source}); precision: auto or f32 would be faster"));
            return ScalarType.BFloat16;
        }
        var choice = Choose(rates);
        log($"precision auto: {DTypes.ShortName(choice)} ({rates.Describe()} on this CPU, {source})");
        return choice;
    }

    /// <summary>The auto choice for measured rates: bfloat16 only where it is at least as fast as float32.</summary>
    public static ScalarType Choose(PrecisionRates rates) =>
        rates.Bf16FlopsPerSecond >= rates.F32FlopsPerSecond ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>The per-user cache of probed rates: <c>$XDG_CACHE_HOME/lora-pipeline/precision.json</c> (or <c>~/.cache/...</c>).</summary>
    public static string DefaultCacheFile()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "lora-pipeline", "precision.json");
    }

    /// <summary>This machine's key: CPU model and flags, libtorch version and thread count (any change re-probes).</summary>
    public static string MachineKey()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? string.Join("\n", File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("model name", StringComparison.Ordinal) || l.StartsWith("flags", StringComparison.Ordinal)).Distinct())
            : System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        var text = $"{cpu}\n{__version__}\n{get_num_threads()}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static (PrecisionRates Rates, bool Cached) CpuRates(string cacheFile)
    {
        var key = MachineKey();
        var entries = ReadCache(cacheFile);
        if (entries.TryGetValue(key, out var known)) return (known, true);
        var rates = PrecisionRates.Measure(CPU);
        entries[key] = rates;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            Pipeline.AtomicFile.WriteAllText(cacheFile, JsonSerializer.Serialize(entries, ConfigJson.Options) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home only costs a new probe next time.
        }
        return (rates, false);
    }

    private static Dictionary<string, PrecisionRates> ReadCache(string cacheFile)
    {
        try
        {
            return File.Exists(cacheFile)
                ? JsonSerializer.Deserialize<Dictionary<string, PrecisionRates>>(File.ReadAllText(cacheFile), ConfigJson.Options) ?? []
                : [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return []; // a damaged cache is measured again and rewritten
        }
    }
}
