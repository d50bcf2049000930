using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Training;
using Spectre.Console;

namespace LoraPipeline.Engines;

/// <summary>
/// <c>train.launcher: slurm</c> for our own trainer: writes the resolved config and an <c>sbatch</c> script into the stage's
/// scratch folder (<c>.scratch/train-*/slurm/</c>), submits it, follows the job (state from <c>scontrol show job</c>, its log
/// streamed into our progress), and takes the node's finished outputs into the stage's output. The node runs our CLI's
/// <c>train</c> command for the same config and fingerprint, with its checkpoints in the same scratch folder, so a requeued
/// or resubmitted job resumes from the last one. A job that ends without a complete result leaves nothing in the stage.
/// </summary>
internal static class SlurmLauncher
{
    /// <summary>The job folder inside the stage's scratch folder.</summary>
    public const string JobFolder = "slurm";

    /// <summary>Runs <paramref name="request"/> as a Slurm job; returns the node's summary once its outputs are in <see cref="TrainRequest.OutputDirectory"/>.</summary>
    public static TrainSummary RunTrainer(TrainRequest request, StageContext context, CancellationToken stop)
    {
        var config = request.Config;
        var files = new SlurmJobFiles(Path.Combine(request.ScratchDirectory, JobFolder), context.BaseDirectory, context.ArtifactsDirectory,
            request.Fingerprint, SlurmScript.LoraCommand(config.Train.Slurm.LoraCommand));
        Directory.CreateDirectory(files.JobDirectory);
        var console = context.Console;
        if (HasAdapter(files.ResultDirectory))
        {
            console.WriteLine($"train: a Slurm job of this fingerprint finished while nothing followed it; taking its result from {files.ResultDirectory}");
        }
        else
        {
            var jobId = StillQueued(files, console) ?? Submit(config, files, console, stop);
            Follow(jobId, request, files, console, stop);
        }
        return TakeResult(files.ResultDirectory, request.OutputDirectory);
    }

    private static string Submit(PipelineConfig config, SlurmJobFiles files, IAnsiConsole console, CancellationToken stop)
    {
        AtomicFile.WriteAllText(files.ConfigPath, ConfigJson.SerializeConfig(config) + "\n");
        AtomicFile.WriteAllText(files.ScriptPath, SlurmScript.Text(config, files));
        var jobId = SlurmClient.Submit(files.ScriptPath, stop);
        AtomicFile.WriteAllText(files.JobIdPath, jobId + "\n");
        console.WriteLine($"train: submitted Slurm job {jobId} ({files.ScriptPath}); its log: {files.LogPath(jobId)}");
        return jobId;
    }

    // A job submitted by an earlier run that is still queued or running (that run was killed): follow it rather than train twice.
    private static string? StillQueued(SlurmJobFiles files, IAnsiConsole console)
    {
        if (!File.Exists(files.JobIdPath)) return null;
        var jobId = File.ReadAllText(files.JobIdPath).Trim();
        if (jobId.Length == 0 || SlurmClient.Query(jobId) is not { HasEnded: false } state) return null;
        console.WriteLine($"train: following Slurm job {jobId}, submitted earlier for this fingerprint ({state.State})");
        return jobId;
    }

    private static void Follow(string jobId, TrainRequest request, SlurmJobFiles files, IAnsiConsole console, CancellationToken stop)
    {
        var slurm = request.Config.Train.Slurm;
        var tail = new SlurmLogTail(files.LogPath(jobId));
        var progress = new SlurmProgress(console, jobId, request.Config.Train.MaxSteps);
        var metrics = Path.Combine(request.ScratchDirectory, ArtifactNames.TrainMetrics);
        SlurmJobState? ended = null;
        var restarts = 0;
        var unknown = 0;
        while (true)
        {
            foreach (var line in tail.ReadNew()) progress.LogLine(line);
            var state = SlurmClient.Query(jobId);
            if (state is null)
            {
                if (++unknown >= 3) break; // forgotten by scontrol (MinJobAge) with no sacct: the result decides
            }
            else
            {
                unknown = 0;
                if (state.Restarts > restarts)
                {
                    restarts = state.Restarts;
                    progress.LogLine($"(job {jobId} was requeued, restart {restarts}; it resumes from the last checkpoint)");
                }
                progress.Update(state, LastStep(metrics));
                if (state.HasEnded)
                {
                    ended = state;
                    break;
                }
            }
            if (stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(slurm.PollIntervalSeconds)))
            {
                progress.Stop();
                Cancel(jobId, tail, progress, console, request.ScratchDirectory);
                throw new OperationCanceledException(stop);
            }
        }
        foreach (var line in tail.ReadNew(final: true)) progress.LogLine(line);
        progress.Stop();

        if (ended?.Outcome() is { } outcome)
            throw new RemoteJobException($"train: Slurm job {jobId} {outcome.How} ({ended.Describe()}){On(ended)}; " +
                                         $"its log's last lines: {LastLines(tail)} (log: {tail.Path}){ResumeHint(request.ScratchDirectory)}", outcome.End);
        if (!HasAdapter(files.ResultDirectory))
            throw new RemoteJobException(ended is null
                ? $"train: Slurm job {jobId} left the queue without a result, and its end state cannot be read (scontrol has forgotten it and sacct has no record); its log's last lines: {LastLines(tail)} (log: {tail.Path})"
                : $"train: Slurm job {jobId} completed without writing an adapter to {files.ResultDirectory}; its log's last lines: {LastLines(tail)} (log: {tail.Path})",
                RemoteJobEnd.Failed);
        console.WriteLine($"train: Slurm job {jobId} completed{(ended is null ? "" : On(ended))}");
    }

    private static void Cancel(string jobId, SlurmLogTail tail, SlurmProgress progress, IAnsiConsole console, string scratch)
    {
        console.WriteLine($"train: stopping: cancelling Slurm job {jobId} (scancel); the trainer checkpoints after its current step");
        SlurmClient.Cancel(jobId);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && SlurmClient.Query(jobId) is { HasEnded: false })
        {
            foreach (var line in tail.ReadNew()) progress.LogLine(line);
            Thread.Sleep(250);
        }
        foreach (var line in tail.ReadNew(final: true)) progress.LogLine(line);
        console.WriteLine($"train: Slurm job {jobId} cancelled{ResumeHint(scratch)}");
    }

    private static string On(SlurmJobState state) => state.Nodes is "(null)" or "" ? "" : $" on {state.Nodes}";

    private static string LastLines(SlurmLogTail tail) =>
        tail.Last.Count == 0 ? "(the log is empty or missing)" : string.Join(" | ", tail.Last.TakeLast(8));

    private static string ResumeHint(string scratch) =>
        new TrainingCheckpoints(scratch).Complete().FirstOrDefault() is { } newest
            ? $"; run Train again to resubmit it: it resumes from checkpoint {Path.GetFileName(newest)}"
            : "";

    private static bool HasAdapter(string result) =>
        File.Exists(Path.Combine(result, ArtifactNames.AdapterFolder, ArtifactNames.AdapterWeights)) && File.Exists(Path.Combine(result, ArtifactNames.TrainSummary));

    // The last step the trainer logged; the node appends to this file while it trains, so a half-written last line is skipped.
    private static int? LastStep(string metrics)
    {
        try
        {
            if (!File.Exists(metrics)) return null;
            using var stream = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            foreach (var line in lines.Reverse().Where(l => l.EndsWith('}')))
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.TryGetProperty("step", out var step)) return step.GetInt32();
            }
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or FormatException)
        {
            // Progress only: the job's state still decides.
        }
        return null;
    }

    // Copied, not moved: if committing the stage fails afterwards, the next run still finds the finished result.
    private static TrainSummary TakeResult(string result, string output)
    {
        foreach (var file in Directory.EnumerateFiles(result, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(output, Path.GetRelativePath(result, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
        return JsonSerializer.Deserialize<TrainSummary>(File.ReadAllText(Path.Combine(result, ArtifactNames.TrainSummary)), ConfigJson.Options)
               ?? throw new StageException($"train: {Path.Combine(result, ArtifactNames.TrainSummary)} is empty");
    }
}
