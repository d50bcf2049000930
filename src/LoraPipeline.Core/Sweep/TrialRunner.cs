using System.Diagnostics;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Training;
using Spectre.Console;

namespace LoraPipeline.Sweep;

/// <summary>
/// Runs one sweep trial as a fingerprinted sub-run of Train, cached under <c>.sweep-trials/&lt;id&gt;/</c> in the artifacts
/// folder (written whole or not at all), so a rerun, a changed grid or a run after Ctrl-C trains only trials that are missing.
/// </summary>
internal static class TrialRunner
{
    /// <summary>The trial cache folder of an artifacts folder.</summary>
    public static string CacheDirectory(string artifactsDirectory) => Path.Combine(artifactsDirectory, ".sweep-trials");

    /// <summary>The file a finished trial is described by.</summary>
    public const string TrialFile = "trial.json";

    /// <summary>The config a trial trains with: the pipeline's, with the point's overrides and the sweep's steps.</summary>
    public static PipelineConfig TrialConfig(PipelineConfig config, SweepPoint point)
    {
        var trial = JsonSerializer.Deserialize<PipelineConfig>(JsonSerializer.Serialize(config, ConfigJson.Options), ConfigJson.Options)!;
        trial.SourceName = config.SourceName;
        trial.KeyOrigins = config.KeyOrigins;
        point.ApplyTo(trial);
        trial.Train.MaxSteps = config.Sweep.MaxSteps ?? config.Train.MaxSteps;
        trial.Train.ValCheckInterval = config.Sweep.ValCheckInterval ?? Math.Max(1, trial.Train.MaxSteps / 10);
        trial.Train.FromSweep = false;
        return trial;
    }

    /// <summary>The trial's fingerprint: Train's for its config and training files, marked as a trial (it stops on divergence).</summary>
    public static string FingerprintOf(PipelineConfig trialConfig, IReadOnlyDictionary<string, string> upstream, string baseDirectory)
    {
        var hashed = new Dictionary<string, string> { ["<sweep trial>"] = "stops on divergence" };
        foreach (var file in new TrainStage().InputFiles(new StageInputs(trialConfig, baseDirectory)))
            hashed[Path.GetRelativePath(baseDirectory, Path.GetFullPath(file)).Replace('\\', '/')] = FileHashing.Sha256File(file);
        return Fingerprint.Compute(new TrainStage(), trialConfig, upstream, hashed);
    }

    /// <summary>The cached result of the trial, or runs it; <paramref name="ran"/> says which.</summary>
    public static TrialResult Run(StageContext context, SweepPoint point, IReadOnlyDictionary<string, string> upstream, string label,
        out bool ran, CancellationToken stop)
    {
        var config = TrialConfig(context.Config, point);
        var fingerprint = FingerprintOf(config, upstream, context.BaseDirectory);
        var id = fingerprint[..12];
        var cache = CacheDirectory(context.ArtifactsDirectory);
        var folder = Path.Combine(cache, id);
        var file = Path.Combine(folder, TrialFile);
        if (File.Exists(file) && JsonSerializer.Deserialize<TrialResult>(File.ReadAllText(file), ConfigJson.Options) is { } cached && cached.Fingerprint == fingerprint)
        {
            context.Console.MarkupLineInterpolated($"sweep: trial {label} {id} ({point}): up to date");
            ran = false;
            return cached;
        }
        stop.ThrowIfCancellationRequested();
        context.Console.MarkupLineInterpolated($"[blue]sweep[/]: trial {label} {id} ({point}): running {config.Train.MaxSteps} steps");
        var scratch = Path.Combine(cache, $".scratch-{id}");
        Directory.CreateDirectory(scratch);
        var source = Hub.ModelSource.Parse(config.Model.Source, config.Model.Revision);
        TrialResult? result = null;
        var watch = Stopwatch.StartNew();
        AtomicDirectory.Write(folder, temp =>
        {
            var request = new TrainRequest(config, context.UpstreamDirectory("convert"), context.UpstreamDirectory("prepare"), temp, scratch,
                fingerprint, TrainStage.BaseModelName(source), ModelPointer.ResolvedCommit(context.ArtifactsDirectory),
                TrainingFiles.Resolve(config.Data, context.BaseDirectory), StopOnDivergence: true);
            TrainSummary summary;
            try
            {
                summary = Trainer.Run(request, context.Console, stop);
            }
            catch (InvalidDataException e)
            {
                throw new StageException($"sweep: trial {id} ({point}): {e.Message}", e);
            }
            result = Describe(id, fingerprint, point, summary, MetricsLog.Read(Path.Combine(temp, ArtifactNames.TrainMetrics)), watch.Elapsed.TotalSeconds);
            AtomicFile.WriteAllText(Path.Combine(temp, TrialFile), JsonSerializer.Serialize(result, ConfigJson.Options) + "\n");
        });
        TryDelete(scratch);
        ran = true;
        return result!;
    }

    // The trial's numbers come from its own metrics log, the same file report readers can check them against.
    private static TrialResult Describe(string id, string fingerprint, SweepPoint point, TrainSummary summary, IReadOnlyList<StepMetrics> metrics, double seconds)
    {
        var validations = metrics.Where(m => m.ValidationLoss is not null)
            .Select(m => new ValidationPoint(m.Step, double.IsFinite(m.ValidationLoss!.Value) ? m.ValidationLoss : null)).ToList();
        var best = validations.Where(v => v.Loss is not null).MinBy(v => v.Loss!.Value)!;
        return new TrialResult(id, fingerprint, point.Overrides.ToDictionary(o => o.Key, o => o.Value), summary.Diverged is null ? "ok" : "diverged",
            summary.Diverged, summary.InitialValidationLoss, best.Loss!.Value, best.Step, summary.Steps, validations, Math.Round(seconds, 2));
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
