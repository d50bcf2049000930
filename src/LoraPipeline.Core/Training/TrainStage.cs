using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Training;

/// <summary>The Train stage: LoRA (or P-tuning, <c>peft.scheme</c>) training on the prepared splits; writes <c>train/adapter/</c> (PEFT), metrics, the loss curve and a summary.</summary>
internal sealed class TrainStage : IStage
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert", "prepare"];

    /// <inheritdoc />
    public bool UsesTorch => true;

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) =>
        new
        {
            config.Lora,
            // The scheme always; the prompt encoder's shape only where it is trained, so P-tuning keys never rerun a LoRA run.
            Peft = config.Peft.Scheme == PeftScheme.Ptuning ? (object)config.Peft : new { config.Peft.Scheme },
            Train = TrainingSettings(config.Train), config.Model.Source, config.Model.Revision, config.Data.Packing,
            // The files' contents are hashed as InputFiles; their names and shares (in order) are part of the mix.
            config.Data.TrainFiles, config.Data.ConcatSamplingProbabilities,
        };

    /// <inheritdoc />
    public IEnumerable<string> InputFiles(StageInputs inputs) =>
        TrainingFiles.Resolve(inputs.Config.Data, inputs.BaseDirectory).Where(f => f.TokensPath is not null).Select(f => f.TokensPath!);

    /// <summary>The <c>train</c> section without where it runs (<c>launcher</c>, <c>kubernetes</c>, <c>slurm</c>): the same training
    /// wherever it runs has the same fingerprint.</summary>
    internal static System.Text.Json.Nodes.JsonNode TrainingSettings(TrainOptions train)
    {
        var node = JsonSerializer.SerializeToNode(train, ConfigJson.Options)!.AsObject();
        foreach (var key in node.Select(p => p.Key).Where(k => k is "launcher" or "kubernetes" or "slurm").ToList()) node.Remove(key);
        return node;
    }

    /// <inheritdoc />
    public void CheckInputs(PipelineConfig config) => TrainingFiles.CheckFilesExist(config, Directory.GetCurrentDirectory());

    /// <inheritdoc />
    public void CheckConfig(PipelineConfig config)
    {
        if (!Torch.TorchRuntime.IsDeviceName(config.Train.Device))
            throw config.Problem("train.device", $"'{config.Train.Device}' is not a device; use cpu, cuda or cuda:N");
        // Every supported architecture (Llama, Mistral, Qwen2) names its projections the same seven ways, so a short name
        // outside them can never match; regular expressions are checked against the model when Train starts.
        var projections = Modeling.DecoderLayer.ProjectionNames;
        foreach (var pattern in config.Lora.TargetModules)
        {
            if (string.IsNullOrWhiteSpace(pattern)) throw config.Problem("lora.target_modules", "holds an empty pattern");
            if (Lora.TargetModuleMatcher.IsShortName(pattern) && !projections.Contains(pattern))
                throw config.Problem("lora.target_modules", $"'{pattern}' names no projection; LoRA adapts {string.Join(", ", projections)} (or a regular expression over module paths)");
        }
        TrainingFiles.CheckValues(config);
        if (config.Train.Engine == TrainEngine.Trl && config.Data.TrainFiles.Count > 0)
            throw config.Problem("data.train_files", "mixing training files is done by our own trainer; the trl engine trains on Prepare's train split (set train.engine: lora)");
        if (config.Peft.Scheme == PeftScheme.Ptuning && config.Train.Engine == TrainEngine.Trl)
            throw config.Problem("peft.scheme", "ptuning is trained by our own trainer; the trl engine's bundle trains LoRA (set train.engine: lora)");
        if (config.Peft.Scheme == PeftScheme.Ptuning && config.Data.Packing)
            throw config.Problem("data.packing", "P-tuning puts its virtual tokens before each example, which packed rows do not have room for (set data.packing: false)");
        if (config.Train.Engine == TrainEngine.Trl) Engines.TrlArguments.AccumulationSteps(config);
        if (config.Train.Engine == TrainEngine.Trl && config.Train.Launcher == TrainLauncher.Slurm)
            throw config.Problem("train.launcher", "'slurm' runs our own trainer (train.engine: lora); the trl bundle runs locally or as a Kubernetes PyTorchJob (train.launcher: kubernetes)");
        if (config.Train.Engine == TrainEngine.Lora && config.Train.Launcher == TrainLauncher.Kubernetes)
            throw config.Problem("train.launcher", "'kubernetes' runs the trl engine's bundle; our own trainer runs locally or on Slurm (set train.engine: trl, or train.launcher: slurm)");
        Engines.SlurmOptionsCheck.Check(config);
        if (config.Lora.TargetModules.Count == 0) throw config.Problem("lora.target_modules", "is empty: name at least one module, e.g. q_proj");
        var devices = config.Train.Devices;
        if (devices.Contains("auto") && devices.Count > 1)
            throw config.Problem("train.devices", "auto stands alone: use [auto] or list the devices");
        foreach (var device in devices.Where(d => d != "auto"))
            if (!Torch.TorchRuntime.IsDeviceName(device))
                throw config.Problem("train.devices", $"'{device}' is not a device; use cpu, cuda or cuda:N");
    }

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var source = ModelSource.Parse(context.Config.Model.Source, context.Config.Model.Revision);
        var request = new TrainRequest(context.Config, context.UpstreamDirectory("convert"), context.UpstreamDirectory("prepare"),
            context.OutputDirectory, context.ScratchDirectory, context.Fingerprint, BaseModelName(source),
            ModelPointer.ResolvedCommit(context.ArtifactsDirectory), TrainingFiles.Resolve(context.Config.Data, context.BaseDirectory));
        TrainSummary summary;
        try
        {
            summary = context.Config.Train switch
            {
                { Engine: TrainEngine.Trl } => Engines.TrlEngine.Run(request, context.ArtifactsDirectory, context.Console, cancellationToken),
                { Launcher: TrainLauncher.Slurm } => Engines.SlurmLauncher.RunTrainer(request, context, cancellationToken),
                _ => Trainer.Run(request, context.Console, cancellationToken),
            };
        }
        catch (InvalidDataException e)
        {
            throw new StageException($"train: {e.Message}", e);
        }
        AtomicFile.WriteAllText(Path.Combine(context.OutputDirectory, ArtifactNames.TrainSummary), JsonSerializer.Serialize(summary, ConfigJson.Options) + "\n");
        return Task.CompletedTask;
    }

    /// <summary>The name recorded as the adapter's base model: the Hub repository id, or the source as configured.</summary>
    public static string BaseModelName(ModelSource source) => source.Kind == ModelSourceKind.Hub ? source.Value : source.ToString();
}
