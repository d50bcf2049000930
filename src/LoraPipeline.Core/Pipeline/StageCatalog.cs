namespace LoraPipeline.Pipeline;

/// <summary>The pipeline's stages, their order and dependencies (the same graph as the Cake targets).</summary>
public static class StageCatalog
{
    /// <summary>One stage of the pipeline.</summary>
    /// <param name="Name">Command and folder name.</param>
    /// <param name="Upstream">Stages whose outputs it reads.</param>
    /// <param name="Summary">One line for help text.</param>
    /// <param name="Create">Creates the implementation, or null while it has not landed.</param>
    public sealed record Entry(string Name, string[] Upstream, string Summary, Func<IStage>? Create)
    {
        /// <summary>The Cake target name (<c>Train</c> for <c>train</c>).</summary>
        public string Target => char.ToUpperInvariant(Name[0]) + Name[1..];
    }

    /// <summary>All stages in dependency order.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new("download", [], "fetch the base model snapshot (Hub, local folder or builtin:tiny-llama)", () => new Hub.DownloadStage()),
        new("convert", ["download"], "verify the checkpoint against config.json and normalize dtype, shards and tokenizer", () => new Checkpoints.ConvertStage()),
        new("prepare", ["convert"], "documents + questions -> retrieved contexts -> prompts -> train/valid/test JSONL", () => new Data.PrepareStage()),
        new("train", ["convert", "prepare"], "LoRA training with validation, checkpoints and resume", () => new Training.TrainStage()),
        new("evaluate", ["convert", "prepare", "train"], "base vs adapter on the holdout split; report; gate", () => new Evaluation.EvaluateStage()),
        new("publish", ["convert", "prepare", "train", "evaluate"], "PEFT package, model card and GitHub release, only past the gate", () => new Publishing.PublishStage()),
        new("plan", ["convert"], "memory and hardware plan for training and serving the model", () => new Sizing.PlanStage()),
        new("benchmark", ["convert", "train"], "inference latency and throughput by batch size, base + adapter unmerged and merged", () => new Benchmarking.BenchmarkStage()),
    ];

    /// <summary>Finds a stage by name (case-insensitive).</summary>
    public static Entry Get(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown stage '{name}'; stages: {string.Join(", ", All.Select(e => e.Name))}", nameof(name));

    /// <summary>Creates the stage, or throws <see cref="StageNotImplementedException"/>.</summary>
    public static IStage Create(string name)
    {
        var entry = Get(name);
        return entry.Create?.Invoke() ?? throw new StageNotImplementedException(entry.Name);
    }
}
