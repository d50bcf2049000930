namespace LoraPipeline.Sizing;

/// <summary>A device to plan for.</summary>
/// <param name="Name">Display name.</param>
/// <param name="MemoryBytes">Memory usable for the process.</param>
/// <param name="IsGpu">False for this machine's RAM (no per-GPU constant, no tensor parallelism).</param>
internal sealed record GpuSpec(string Name, long MemoryBytes, bool IsGpu = true);

/// <summary>The devices a plan compares against.</summary>
internal static class GpuCatalog
{
    private const long GiB = 1L << 30;

    /// <summary>Tensor-parallel degrees considered (one node of up to eight GPUs).</summary>
    public static IReadOnlyList<int> TensorParallelDegrees { get; } = [1, 2, 4, 8];

    /// <summary>
    /// The catalogue by nominal memory: A100 40 GB and 80 GB, H100 80 GB, H200 141 GB, L40S 48 GB and RTX 4090
    /// 24 GB (GiB for all but the H200, whose 141 GB is decimal), then this machine's RAM when it can be read.
    /// </summary>
    public static IReadOnlyList<GpuSpec> Default() =>
    [
        new("A100 40GB", 40 * GiB),
        new("A100 80GB", 80 * GiB),
        new("H100 80GB", 80 * GiB),
        new("H200 141GB", 141_000_000_000L),
        new("L40S 48GB", 48 * GiB),
        new("RTX 4090 24GB", 24 * GiB),
        .. MachineRam() is { } ram ? [ram] : Array.Empty<GpuSpec>(),
    ];

    /// <summary>This machine's RAM (<c>MemTotal</c> of <c>/proc/meminfo</c>), or null where it cannot be read.</summary>
    public static GpuSpec? MachineRam(string meminfo = "/proc/meminfo")
    {
        try
        {
            if (!File.Exists(meminfo)) return null;
            foreach (var line in File.ReadLines(meminfo))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var kib = long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return new GpuSpec($"this machine's RAM ({kib / 1048576.0:0.#} GiB)", kib * 1024, IsGpu: false);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
