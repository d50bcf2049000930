using System.Globalization;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// How many intra-op threads libtorch gets. The default is the physical cores this process may run on (its CPU
/// affinity and cgroup quota, SMT siblings counted once): more threads than cores makes OpenMP threads spin against
/// each other, which slowed two trainings sharing 2 cores from ~450 to ~55 tokens/s.
/// </summary>
internal static class ThreadBudget
{
    /// <summary>Sets libtorch's intra-op threads to <paramref name="requested"/>, or to <see cref="AvailablePhysicalCores"/> when 0; returns the count.</summary>
    public static int Apply(int requested)
    {
        if (requested < 0) throw new ArgumentOutOfRangeException(nameof(requested), requested, "threads must be 0 (auto) or more");
        var threads = requested > 0 ? requested : AvailablePhysicalCores();
        if (get_num_threads() != threads) set_num_threads(threads);
        return threads;
    }

    /// <summary>Physical cores available to this process: the CPUs of its affinity mask with distinct (package, core), capped by the cgroup quota.</summary>
    public static int AvailablePhysicalCores()
    {
        // .NET's ProcessorCount already honours the affinity mask and a cgroup CPU quota.
        var logical = Environment.ProcessorCount;
        var physical = PhysicalCoresInAffinity();
        return Math.Max(1, physical is { } p ? Math.Min(logical, p) : logical);
    }

    private static int? PhysicalCoresInAffinity()
    {
        try
        {
            var allowed = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            if (allowed is null) return null;
            var cores = new HashSet<(string Package, string Core)>();
            foreach (var cpu in ParseCpuList(allowed["Cpus_allowed_list:".Length..].Trim()))
            {
                var topology = $"/sys/devices/system/cpu/cpu{cpu}/topology";
                if (!Directory.Exists(topology)) return null;
                cores.Add((File.ReadAllText(Path.Combine(topology, "physical_package_id")).Trim(), File.ReadAllText(Path.Combine(topology, "core_id")).Trim()));
            }
            return cores.Count > 0 ? cores.Count : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // not Linux, or /sys hidden: fall back to the logical count
        }
    }

    /// <summary>Expands a Linux CPU list such as <c>0-3,8,10-11</c>.</summary>
    public static IEnumerable<int> ParseCpuList(string list)
    {
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                yield return int.Parse(part, CultureInfo.InvariantCulture);
                continue;
            }
            var first = int.Parse(part[..dash], CultureInfo.InvariantCulture);
            var last = int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (var cpu = first; cpu <= last; cpu++) yield return cpu;
        }
    }
}
