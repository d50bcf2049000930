namespace LoraPipeline.Pipeline;

/// <summary>
/// The pipeline's stages in dependency order. Each stage's own <see cref="IStage.Upstream"/> is the one source of
/// the graph; <c>build/build.cake</c>'s <c>IsDependentOn</c> edges are tested against it.
/// </summary>
internal static class StageCatalog
{
    /// <summary>One stage of the pipeline.</summary>
    /// <param name="Name">Command and folder name (equal to the stage's <see cref="IStage.Name"/>, tested).</param>
    /// <param name="Summary">One line for help text.</param>
    /// <param name="Create">Creates the implementation.</param>
    public sealed record Entry(string Name, string Summary, Func<IStage> Create)
    {
        /// <summary>The Cake target name (<c>Train</c> for <c>train</c>).</summary>
        public string Target => char.ToUpperInvariant(Name[0]) + Name[1..];

        /// <summary>Stages whose outputs it reads, as the stage itself declares them.</summary>
        public IReadOnlyList<string> Upstream => Create().Upstream;
    }

    /// <summary>All stages in dependency order.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new("select", "choose the base model and hardware against serving latency and throughput targets", () => new Selection.SelectStage()),
        new("download", "fetch the base model snapshot (Hub, local folder or builtin:tiny-llama)", () => new Hub.DownloadStage()),
        new("convert", "verify the checkpoint against config.json and normalize dtype, shards and tokenizer", () => new Checkpoints.ConvertStage()),
        new("prepare", "documents + questions -> retrieved contexts -> prompts -> train/valid/test JSONL", () => new Data.PrepareStage()),
        new("sweep", "short training runs over sweep.lr/optimizer/lora_r/lora_alpha, ranked by validation loss; best.yaml for train.from_sweep", () => new Sweep.SweepStage()),
        new("train", "LoRA training with validation, checkpoints and resume", () => new Training.TrainStage()),
        new("evaluate", "base vs adapter on the holdout split; report; gate", () => new Evaluation.EvaluateStage()),
        new("publish", "PEFT package, model card and GitHub release, only past the gate", () => new Publishing.PublishStage()),
        new("plan", "memory and hardware plan for training and serving the model", () => new Sizing.PlanStage()),
        new("benchmark", "inference latency and throughput by batch size, base + adapter unmerged and merged", () => new Benchmarking.BenchmarkStage()),
    ];

    /// <summary>Finds a stage by name (case-insensitive).</summary>
    public static Entry Get(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown stage '{name}'; stages: {string.Join(", ", All.Select(e => e.Name))}", nameof(name));

    /// <summary>Creates the stage named <paramref name="name"/>.</summary>
    public static IStage Create(string name) => Get(name).Create();
}
