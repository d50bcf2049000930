using System.Globalization;
using System.Text.RegularExpressions;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Engines;

/// <summary>A Slurm job's state as <c>scontrol show job</c> (or <c>sacct</c>) reports it.</summary>
/// <param name="State">The job state, e.g. <c>PENDING</c>, <c>RUNNING</c>, <c>COMPLETED</c>, <c>FAILED</c>.</param>
/// <param name="Reason">Why it is pending or ended (<c>None</c> when there is nothing to say).</param>
/// <param name="ExitCode">The batch script's exit code.</param>
/// <param name="Signal">The signal that ended it, 0 for none.</param>
/// <param name="Restarts">How often it was requeued.</param>
/// <param name="Nodes">The nodes it runs or ran on.</param>
internal sealed partial record SlurmJobState(string State, string Reason, int ExitCode, int Signal, int Restarts, string Nodes)
{
    private static readonly HashSet<string> Ended =
    [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED",
    ];

    /// <summary>Whether the job has ended for good (a requeued job is pending again, not ended).</summary>
    public bool HasEnded => Ended.Contains(State);

    /// <summary>Reads the one-line form of <c>scontrol show job -o</c>; null when it names no job state.</summary>
    public static SlurmJobState? FromScontrol(string line)
    {
        // Values may hold spaces (a job name), so a value runs up to the next " Key=".
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var matches = KeyPattern().Matches(line);
        for (var i = 0; i < matches.Count; i++)
        {
            var start = matches[i].Index + matches[i].Length;
            var end = i + 1 < matches.Count ? matches[i + 1].Index : line.Length;
            fields[matches[i].Groups[1].Value] = line[start..end].Trim();
        }
        if (!fields.TryGetValue("JobState", out var state) || state.Length == 0) return null;
        var (exit, signal) = ExitCodePair(fields.GetValueOrDefault("ExitCode", "0:0"));
        return new SlurmJobState(state.Split(' ')[0], fields.GetValueOrDefault("Reason", "None"), exit, signal,
            int.TryParse(fields.GetValueOrDefault("Restarts"), CultureInfo.InvariantCulture, out var restarts) ? restarts : 0,
            fields.GetValueOrDefault("NodeList", "(null)"));
    }

    /// <summary>Reads <c>sacct -X -n -P -o State,ExitCode,NodeList</c>'s first line; null when it has none.</summary>
    public static SlurmJobState? FromSacct(string line)
    {
        var parts = line.Split('|');
        if (parts.Length < 2 || parts[0].Trim().Length == 0) return null;
        var (exit, signal) = ExitCodePair(parts[1]);
        // sacct writes "CANCELLED by 0".
        return new SlurmJobState(parts[0].Trim().Split(' ')[0], "None", exit, signal, 0, parts.Length > 2 ? parts[2].Trim() : "(null)");
    }

    private static (int Exit, int Signal) ExitCodePair(string text)
    {
        var parts = text.Trim().Split(':');
        var exit = int.TryParse(parts[0], CultureInfo.InvariantCulture, out var e) ? e : 0;
        var signal = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var s) ? s : 0;
        return (exit, signal);
    }

    /// <summary>
    /// How an ended job maps to our exit codes, and what to say: null for <c>COMPLETED</c> (its result decides); a cancelled
    /// or pre-empted job is interrupted (130), the node's <c>lora</c> refusing its config is a config error (2), the rest failed (1).
    /// </summary>
    public (RemoteJobEnd End, string How)? Outcome() => State switch
    {
        "COMPLETED" => null,
        "CANCELLED" => (RemoteJobEnd.Interrupted, "was cancelled"),
        "PREEMPTED" => (RemoteJobEnd.Interrupted, "was pre-empted (and not requeued: train.slurm.requeue is false or the partition forbids it)"),
        "TIMEOUT" => (RemoteJobEnd.Failed, "reached its time limit (train.slurm.time_limit)"),
        "OUT_OF_MEMORY" => (RemoteJobEnd.Failed, "ran out of memory (raise train.slurm.mem)"),
        "NODE_FAIL" or "BOOT_FAIL" => (RemoteJobEnd.Failed, "lost its node"),
        "DEADLINE" => (RemoteJobEnd.Failed, "missed its deadline"),
        _ when ExitCode == 2 => (RemoteJobEnd.ConfigError, "failed: lora on the node refused the configuration"),
        _ when ExitCode == 130 => (RemoteJobEnd.Interrupted, "was interrupted on the node"),
        _ => (RemoteJobEnd.Failed, "failed"),
    };

    /// <summary>E.g. <c>FAILED, exit code 1</c> or <c>CANCELLED, signal 15</c>.</summary>
    public string Describe() =>
        $"{State}, exit code {ExitCode}{(Signal != 0 ? $", signal {Signal}" : "")}{(Restarts > 0 ? $", {Restarts} requeue(s)" : "")}";

    [GeneratedRegex(@"(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=")]
    private static partial Regex KeyPattern();
}
