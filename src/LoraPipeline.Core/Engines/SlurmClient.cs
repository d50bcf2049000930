using LoraPipeline.Pipeline;

namespace LoraPipeline.Engines;

/// <summary>
/// Slurm's client commands: <c>sbatch --parsable</c> to submit, <c>scontrol show job</c> for the state and exit code (it
/// needs no accounting storage; <c>sacct</c> is asked only once scontrol has forgotten the job), <c>scancel</c> to cancel.
/// </summary>
internal static class SlurmClient
{
    /// <summary>Submits <paramref name="script"/>; returns the job id.</summary>
    public static string Submit(string script, CancellationToken stop)
    {
        var result = Run("sbatch", ["--parsable", script], "submit the job", stop);
        if (result.ExitCode != 0)
            throw new StageException($"train: sbatch refused the job (exit code {result.ExitCode}): {string.Join(" | ", result.Tail.TakeLast(5))} (script: {script})");
        // --parsable prints "id" or "id;cluster".
        var id = result.Tail.Select(l => l.Trim()).LastOrDefault(l => l.Length > 0)?.Split(';')[0] ?? "";
        if (id.Length == 0 || !id.All(c => char.IsAsciiDigit(c) || c == '_'))
            throw new StageException($"train: sbatch did not print a job id: {string.Join(" | ", result.Tail.TakeLast(5))}");
        return id;
    }

    /// <summary>The job's state; null when neither scontrol nor sacct knows it (any more).</summary>
    public static SlurmJobState? Query(string jobId)
    {
        var shown = Run("scontrol", ["show", "job", "-o", jobId], "read the job's state", CancellationToken.None);
        if (shown.ExitCode == 0 && shown.Tail.Select(SlurmJobState.FromScontrol).FirstOrDefault(s => s is not null) is { } state) return state;
        try
        {
            var accounted = ExternalProcess.Run("sacct", ["-j", jobId, "-X", "-n", "-P", "-o", "State,ExitCode,NodeList"], _ => { }, CancellationToken.None);
            if (accounted.ExitCode == 0) return accounted.Tail.Select(SlurmJobState.FromSacct).FirstOrDefault(s => s is not null);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No sacct on this host: the job's end is judged by its result alone.
        }
        return null;
    }

    /// <summary>Cancels the job (its processes get SIGTERM, then SIGKILL after the cluster's KillWait).</summary>
    public static void Cancel(string jobId) => Run("scancel", [jobId], "cancel the job", CancellationToken.None);

    private static ExternalResult Run(string command, IReadOnlyList<string> arguments, string what, CancellationToken stop)
    {
        try
        {
            return ExternalProcess.Run(command, arguments, _ => { }, stop, tailLines: 20);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new StageException($"train: {command} is not installed on host {Environment.MachineName}, so it cannot {what}; " +
                                     "train.launcher: slurm needs Slurm's client commands (sbatch, scontrol, scancel) here");
        }
    }
}
