using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Training;
using Spectre.Console;

namespace LoraPipeline.Engines;

/// <summary>
/// The Train stage with <c>train.engine: trl</c>: writes the bundle into the stage's scratch folder (it survives a failed run, so
/// the engine resumes from its own checkpoints), runs it with the configured launcher, imports the checked adapter into
/// <c>train/adapter/</c>, turns the trainer's log into our <c>metrics.jsonl</c>, and copies the bundle (without checkpoints) to
/// <c>train/engine/</c>.
/// </summary>
internal static class TrlEngine
{
    /// <summary>Runs the engine for <paramref name="request"/>; throws <see cref="StageException"/> with one line saying what failed.</summary>
    public static TrainSummary Run(TrainRequest request, string artifactsDirectory, IAnsiConsole console, CancellationToken stop)
    {
        var config = request.Config;
        var bundle = Path.Combine(request.ScratchDirectory, EngineNames.BundleFolder);
        TrlBundle.Write(new TrlBundleInputs(config, request.ModelDirectory, request.PrepareDirectory, request.BaseModelName, request.BaseModelRevision), bundle);
        console.MarkupLineInterpolated($"train: TRL bundle written to {bundle}");
        var engineAdapter = Path.Combine(bundle, EngineNames.AdapterFolder);
        if (config.Train.Resume == ResumeMode.Never && Directory.Exists(Path.Combine(bundle, EngineNames.OutputFolder)))
            Directory.Delete(Path.Combine(bundle, EngineNames.OutputFolder), recursive: true);

        switch (config.Train.Launcher)
        {
            case TrainLauncher.Kubernetes:
                KubernetesLauncher.Run(config, bundle, artifactsDirectory, request.Fingerprint, engineAdapter, console, stop);
                break;
            default:
                RunLocally(config, bundle, console, stop);
                break;
        }
        if (!File.Exists(Path.Combine(engineAdapter, ArtifactNames.AdapterWeights)))
            throw new StageException($"train: the TRL run ended without an adapter in {engineAdapter}");

        var adapterOutput = Path.Combine(request.OutputDirectory, ArtifactNames.AdapterFolder);
        EngineAdapterImport.Import(engineAdapter, adapterOutput, config, request.BaseModelName, request.BaseModelRevision);
        foreach (var companion in CheckpointConverter.CompanionFiles.Select(f => Path.Combine(request.ModelDirectory, f))
                     .Append(Path.Combine(request.PrepareDirectory, ArtifactNames.PromptFormat)).Where(File.Exists))
            File.Copy(companion, Path.Combine(adapterOutput, Path.GetFileName(companion)), overwrite: true);
        // The training prompt as the chat_template, so transformers/vLLM prompt the adapter as it was trained.
        if (File.Exists(Path.Combine(request.PrepareDirectory, ArtifactNames.PromptFormat)))
            Data.ChatTemplateWriter.Write(adapterOutput, Data.PromptFormatRecord.Read(request.PrepareDirectory));

        var metrics = ReadLogHistory(Path.Combine(bundle, EngineNames.LogHistory));
        MetricsLog.WriteFinal(request.OutputDirectory, metrics);
        var engineOutput = Path.Combine(request.OutputDirectory, EngineNames.BundleFolder);
        foreach (var name in new[] { EngineNames.TrainData, EngineNames.ValidData, EngineNames.EntryScript, EngineNames.LaunchScript,
                     EngineNames.AccelerateConfig, EngineNames.Manifest, EngineNames.KubernetesJob, EngineNames.LogHistory })
        {
            var source = Path.Combine(bundle, name);
            if (!File.Exists(source)) continue;
            var destination = Path.Combine(engineOutput, name);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
        }
        var validations = metrics.Where(m => m.ValidationLoss is not null).ToList();
        var best = validations.OrderBy(m => m.ValidationLoss).FirstOrDefault();
        var steps = metrics.Count == 0 ? 0 : metrics.Max(m => m.Step);
        return new TrainSummary(steps, validations.FirstOrDefault()?.ValidationLoss ?? 0, best?.ValidationLoss ?? 0, best?.Step ?? 0,
            steps < config.Train.MaxSteps, null, 0, 0);
    }

    private static void RunLocally(PipelineConfig config, string bundle, IAnsiConsole console, CancellationToken stop)
    {
        var python = config.Train.Distributed.Python;
        var missing = PythonPackages.Missing(python, PythonPackages.Trl);
        if (missing is not null)
            throw new StageException($"train: the TRL bundle is written ({bundle}) but cannot run here: {missing}");
        var result = ExternalProcess.Run("bash", [Path.Combine(bundle, EngineNames.LaunchScript)],
            line => console.WriteLine($"trl: {line}"), stop, bundle);
        if (result.ExitCode != 0)
            throw new StageException($"train: the TRL run failed (exit code {result.ExitCode}); its last lines: {string.Join(" | ", result.Tail.TakeLast(10))}");
    }

    /// <summary>The trainer's <c>log_history</c> as our per-step metrics (training loss, learning rate, gradient norm, validation loss).</summary>
    public static List<StepMetrics> ReadLogHistory(string path)
    {
        if (!File.Exists(path)) return [];
        var byStep = new SortedDictionary<int, StepMetrics>();
        foreach (var entry in JsonNode.Parse(File.ReadAllText(path))!.AsArray().OfType<JsonObject>())
        {
            if (entry["step"] is not JsonValue stepValue) continue;
            var step = stepValue.GetValue<int>();
            var current = byStep.GetValueOrDefault(step) ?? new StepMetrics(step, null, 0, 0, 0, 0, null, 0);
            double? Number(string key) => entry[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
            if (Number("loss") is { } loss)
                current = current with { Loss = loss, LearningRate = Number("learning_rate") ?? 0, GradNorm = Number("grad_norm") ?? 0 };
            if (Number("eval_loss") is { } validation)
                current = current with { ValidationLoss = validation };
            if (current.Loss is not null || current.ValidationLoss is not null) byStep[step] = current;
        }
        return byStep.Values.ToList();
    }
}
