using System.Diagnostics;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Torch;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>What a training run needs.</summary>
/// <param name="Config">The pipeline config (lora and train sections).</param>
/// <param name="ModelDirectory">The converted base model.</param>
/// <param name="PrepareDirectory">The prepared splits (<c>*.tokens.jsonl</c>).</param>
/// <param name="OutputDirectory">Where the best adapter, metrics and plot go.</param>
/// <param name="ScratchDirectory">Checkpoints for resume (survives a crash).</param>
/// <param name="Fingerprint">The stage fingerprint (checkpoints of other fingerprints are ignored).</param>
/// <param name="BaseModelName">Recorded as <c>base_model_name_or_path</c> in the adapter.</param>
/// <param name="BaseModelRevision">The base's resolved commit (Hub sources), recorded as <c>revision</c> in the adapter so <c>AutoPeftModel</c> loads the same base.</param>
/// <param name="TrainFiles">The resolved <c>data.train_files</c> mixed instead of Prepare's train split; null or empty for that split alone.</param>
/// <param name="StopOnDivergence">Stop at the first non-finite loss or validation loss above step 0's (a sweep trial): the
/// run is marked <see cref="TrainSummary.Diverged"/> instead of spending its remaining steps.</param>
internal sealed record TrainRequest(PipelineConfig Config, string ModelDirectory, string PrepareDirectory, string OutputDirectory,
    string ScratchDirectory, string Fingerprint, string BaseModelName, string? BaseModelRevision = null,
    IReadOnlyList<TrainingFile>? TrainFiles = null, bool StopOnDivergence = false);

/// <summary>Summary of a finished run (<c>train_summary.json</c>).</summary>
/// <param name="Steps">Optimizer steps completed.</param>
/// <param name="InitialValidationLoss">Validation loss at step 0.</param>
/// <param name="BestValidationLoss">Best validation loss.</param>
/// <param name="BestStep">Its step.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="Resumed">Step resumed from, or null.</param>
/// <param name="TrainableParameters">Adapter parameters.</param>
/// <param name="TokensPerSecond">Mean non-padding tokens per second over training steps.</param>
/// <param name="Diverged">Why a <see cref="TrainRequest.StopOnDivergence"/> run stopped (NaN, or validation loss above step 0's); null otherwise.</param>
internal sealed record TrainSummary(int Steps, double InitialValidationLoss, double BestValidationLoss, int BestStep, bool StoppedEarly,
    int? Resumed, long TrainableParameters, double TokensPerSecond, string? Diverged = null);

/// <summary>
/// The LoRA training loop: AdamW on adapter parameters only, warm-up then decay, gradient accumulation from
/// micro batch to global batch with the loss divided once by the global batch's answer-token count, clipping,
/// validation and checkpoints every <c>val_check_interval</c> steps, early stopping, resume from the newest
/// complete checkpoint, and a stop request honoured after the current step with a checkpoint.
/// </summary>
internal static class Trainer
{
    /// <summary>Runs training; throws <see cref="OperationCanceledException"/> after checkpointing when stopped.</summary>
    public static TrainSummary Run(TrainRequest request, IAnsiConsole console, CancellationToken stop)
    {
        var train = request.Config.Train;
        var placement = DevicePlacement.For(request, console);
        var device = placement?.First ?? TorchRuntime.ParseDevice(train.Device);
        DeviceRandom.SeedAll(train.Seed);
        var dtype = ComputeDtype.Resolve(train.Precision, device, line => console.MarkupLineInterpolated($"train: {line}"));
        using var model = placement is null
            ? LlamaForCausalLM.Load(request.ModelDirectory, dtype, device)
            : LlamaForCausalLM.Load(request.ModelDirectory, dtype, placement);
        model.Model.Checkpointing = train.ActivationCheckpointing;
        ITrainableAdapter adapter = request.Config.Peft.Scheme == PeftScheme.Ptuning
            ? PTuning.PTuningAdapter.Install(model, request.Config.Peft, train.Seed)
            : LoraInjector.Apply(model, request.Config.Lora, train.Seed);
        var parameters = adapter.NamedParameters();
        using var optimizer = new AdapterOptimizer(parameters.Select(p => (p.Key, p.Value)).ToList(), train.Beta1, train.Beta2, 1e-8, train.WeightDecay, train.Optimizer, train.Momentum);

        var mix = request.TrainFiles is { Count: > 0 } files ? TrainingMix.Load(files, request.PrepareDirectory, train.Seed) : null;
        var trainSet = mix?.Examples ?? SplitFiles.ReadLines<TokenRecord>(Path.Combine(request.PrepareDirectory, SplitFiles.TokensFile(Split.Train)));
        var validSet = SplitFiles.ReadLines<TokenRecord>(Path.Combine(request.PrepareDirectory, SplitFiles.TokensFile(Split.Valid)));
        if (trainSet.Count == 0) throw new InvalidDataException("the train split is empty; check the Prepare stage's stats.md");
        if (validSet.Count == 0) throw new InvalidDataException("the valid split is empty; raise data.valid_ratio");
        Func<long, int> order = mix is null ? new ExampleOrder(trainSet.Count, train.Seed).At : mix.Order.At;
        var checkpoints = new TrainingCheckpoints(request.ScratchDirectory);
        var metricsPath = Path.Combine(request.ScratchDirectory, ArtifactNames.TrainMetrics);

        var state = train.Resume == ResumeMode.Auto ? checkpoints.RestoreLatest(request.Fingerprint, parameters, optimizer, line => console.WriteLine($"train: {line}")) : null;
        var resumedFrom = state?.Step;
        var metrics = MetricsLog.Read(metricsPath, state?.Step ?? -1);
        MetricsLog.WriteFinal(request.ScratchDirectory, metrics); // drop log lines past the checkpoint
        if (state is null)
        {
            var initial = AnswerLoss.Mean(model, validSet, train.EvalBatchSize, device, train.LossChunkTokens);
            state = new TrainerState(0, initial, 0, 0, initial, request.Fingerprint);
            var zero = new StepMetrics(0, null, 0, 0, 0, 0, initial, 0);
            metrics.Add(zero);
            MetricsLog.Append(metricsPath, zero);
            SaveBest(adapter, request, "best");
            console.MarkupLineInterpolated($"train: {adapter.TrainableParameterCount:N0} adapter parameters; step 0 validation loss {initial:0.0000}");
        }
        else
        {
            console.MarkupLineInterpolated($"train: resumed from step {state.Step} (best validation loss {state.BestValidationLoss:0.0000} at step {state.BestStep})");
        }

        var micro = train.MicroBatchSize;
        var progress = new TrainProgress(console, train.MaxSteps, state.Step);
        var stoppedEarly = false;
        string? diverged = null;
        var elapsed = metrics.LastOrDefault()?.ElapsedSeconds ?? 0;
        var totalTokens = 0L;
        var trainingSeconds = 0.0;
        for (var step = state.Step + 1; step <= train.MaxSteps; step++)
        {
            if (stop.IsCancellationRequested)
            {
                checkpoints.Save(state, parameters.Select(p => KeyValuePair.Create(p.Key, (Tensor)p.Value)), optimizer, train.KeepLastCheckpoints);
                progress.Stop();
                console.MarkupLineInterpolated($"train: stopped after step {state.Step}; checkpoint written, run again to resume");
                throw new OperationCanceledException(stop);
            }
            var watch = Stopwatch.StartNew();
            model.train();
            adapter.ReseedDropout(train.Seed, step);
            var examples = Enumerable.Range(0, train.GlobalBatchSize)
                .Select(i => trainSet[order((long)(step - 1) * train.GlobalBatchSize + i)]).ToList();
            var lr = LearningRateSchedule.At(step, train.MaxSteps, train.Lr, train.WarmupSteps, train.Schedule);
            var result = TrainingStep.Run(model, optimizer, examples, micro, lr, train.GradClip, device, train.LossChunkTokens,
                request.Config.Data.Packing ? request.Config.Data.MaxSeqLength : 0);
            var (tokens, gradNorm) = (result.Tokens, result.GradNorm);
            watch.Stop();
            elapsed += watch.Elapsed.TotalSeconds;
            trainingSeconds += watch.Elapsed.TotalSeconds;
            totalTokens += tokens;
            var loss = result.Loss;

            double? validation = null;
            var last = step == train.MaxSteps;
            if (step % train.ValCheckInterval == 0 || last)
            {
                validation = AnswerLoss.Mean(model, validSet, train.EvalBatchSize, device, train.LossChunkTokens);
                var improved = validation < state.BestValidationLoss - train.EarlyStoppingMinDelta;
                state = state with
                {
                    Step = step,
                    BestValidationLoss = improved ? validation.Value : state.BestValidationLoss,
                    BestStep = improved ? step : state.BestStep,
                    ValidationsWithoutImprovement = improved ? 0 : state.ValidationsWithoutImprovement + 1,
                };
                if (improved) SaveBest(adapter, request, "best");
            }
            else
            {
                state = state with { Step = step };
            }
            var record = new StepMetrics(step, loss, lr, gradNorm, tokens, tokens / Math.Max(1e-9, watch.Elapsed.TotalSeconds), validation, elapsed);
            metrics.Add(record);
            MetricsLog.Append(metricsPath, record);
            progress.Update(record, state);
            if (request.StopOnDivergence && Divergence(loss, gradNorm, validation, state.InitialValidationLoss) is { } why)
            {
                diverged = why;
                console.MarkupLineInterpolated($"train: diverged at step {step}: {why}");
                break;
            }
            if (validation is not null)
            {
                checkpoints.Save(state, parameters.Select(p => KeyValuePair.Create(p.Key, (Tensor)p.Value)), optimizer, train.KeepLastCheckpoints);
                if (train.EarlyStoppingPatience > 0 && state.ValidationsWithoutImprovement >= train.EarlyStoppingPatience && !last)
                {
                    stoppedEarly = true;
                    console.MarkupLineInterpolated($"train: early stop at step {step}: no improvement in {state.ValidationsWithoutImprovement} validations");
                    break;
                }
            }
        }
        progress.Stop();

        // Outputs: the best adapter (PEFT) with the tokenizer and prompt format it was trained with, the log, the curve.
        var adapterOutput = Path.Combine(request.OutputDirectory, ArtifactNames.AdapterFolder);
        CopyDirectory(Path.Combine(request.ScratchDirectory, "best"), adapterOutput);
        foreach (var companion in CheckpointConverter.CompanionFiles.Select(f => Path.Combine(request.ModelDirectory, f))
                     .Append(Path.Combine(request.PrepareDirectory, ArtifactNames.PromptFormat)).Where(File.Exists))
            File.Copy(companion, Path.Combine(adapterOutput, Path.GetFileName(companion)), overwrite: true);
        // The training prompt as the chat_template, so transformers/vLLM prompt the adapter as it was trained.
        if (File.Exists(Path.Combine(request.PrepareDirectory, ArtifactNames.PromptFormat)))
            Data.ChatTemplateWriter.Write(adapterOutput, Data.PromptFormatRecord.Read(request.PrepareDirectory));
        MetricsLog.WriteFinal(request.OutputDirectory, metrics);
        mix?.WriteStats(Path.Combine(request.OutputDirectory, ArtifactNames.TrainStats), (long)state.Step * train.GlobalBatchSize);
        LossCurvePlot.Write(Path.Combine(request.OutputDirectory, ArtifactNames.LossPlot), metrics, $"{adapter.Description} on {request.BaseModelName}");
        var summary = new TrainSummary(state.Step, state.InitialValidationLoss, state.BestValidationLoss, state.BestStep, stoppedEarly, resumedFrom,
            adapter.TrainableParameterCount, trainingSeconds > 0 ? totalTokens / trainingSeconds : 0, diverged);
        console.MarkupLineInterpolated(
            $"train: validation loss {summary.InitialValidationLoss:0.0000} at step 0 -> best {summary.BestValidationLoss:0.0000} at step {summary.BestStep} ({summary.Steps} steps)");
        return summary;
    }

    // A non-finite training loss poisons the adapter at once; a validation loss above the untrained one means the run
    // is making the model worse (too high a learning rate), which more steps at that rate do not repair.
    private static string? Divergence(double loss, double gradNorm, double? validation, double initial) =>
        !double.IsFinite(loss) ? $"training loss {loss}"
        : !double.IsFinite(gradNorm) ? $"gradient norm {gradNorm}"
        : validation is { } v && !double.IsFinite(v) ? $"validation loss {v}"
        : validation is { } above && above > initial ? $"validation loss {above:0.0000} above step 0's {initial:0.0000}"
        : null;

    // Save writes beside and renames, so the best adapter on disk is always complete.
    private static void SaveBest(ITrainableAdapter adapter, TrainRequest request, string name) =>
        adapter.Save(Path.Combine(request.ScratchDirectory, name), request.BaseModelName, request.BaseModelRevision);

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)), overwrite: true);
    }
}
