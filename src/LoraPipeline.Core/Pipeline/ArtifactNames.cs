namespace LoraPipeline.Pipeline;

/// <summary>
/// The names of the files and folders that stages write into <c>artifacts/&lt;run&gt;/&lt;stage&gt;/</c> and that later stages, a
/// published package or a release read: one place for every artifact contract, grouped by the stage that writes it. The names of
/// Hugging Face checkpoint files (<c>config.json</c>, <c>model.safetensors</c>, shard and index names, tokenizer files) belong to
/// that format and stay with the checkpoint code (<see cref="Checkpoints.CheckpointFormats"/>).
/// </summary>
internal static class ArtifactNames
{
    // ----- every stage -----

    /// <summary><c>stage.json</c>: the manifest (fingerprint and file hashes) written last into every stage folder.</summary>
    public const string StageManifest = "stage.json";

    // ----- Download -----

    /// <summary><c>download/source.json</c>: where the downloaded model lives (read by Convert).</summary>
    public const string ModelSource = "source.json";

    // ----- Convert -----

    /// <summary><c>convert/conversion.json</c>: every tensor and every file Convert wrote, with SHA-256s.</summary>
    public const string ConversionManifest = "conversion.json";

    // ----- Prepare -----

    /// <summary><c>prepare/train.jsonl</c>: the train split's records (NeMo SFT fields plus provenance).</summary>
    public const string TrainSplit = "train.jsonl";

    /// <summary><c>prepare/valid.jsonl</c>: the validation split's records.</summary>
    public const string ValidSplit = "valid.jsonl";

    /// <summary><c>prepare/test.jsonl</c>: the holdout split's records (read by Evaluate).</summary>
    public const string TestSplit = "test.jsonl";

    /// <summary><c>prepare/train.tokens.jsonl</c>: the train split's tokens (read by Train).</summary>
    public const string TrainTokens = "train.tokens.jsonl";

    /// <summary><c>prepare/valid.tokens.jsonl</c>: the validation split's tokens (read by Train).</summary>
    public const string ValidTokens = "valid.tokens.jsonl";

    /// <summary><c>prepare/test.tokens.jsonl</c>: the holdout split's tokens (read by Evaluate).</summary>
    public const string TestTokens = "test.tokens.jsonl";

    /// <summary><c>prompt_format.json</c>: the prompt format Prepare used; copied into the adapter folder and the package.</summary>
    public const string PromptFormat = "prompt_format.json";

    /// <summary><c>prepare/stats.json</c>: split sizes and token statistics.</summary>
    public const string PrepareStats = "stats.json";

    /// <summary><c>prepare/stats.md</c>: the same statistics for people.</summary>
    public const string PrepareStatsMarkdown = "stats.md";

    // ----- Train -----

    /// <summary><c>train/adapter/</c>: the best adapter in PEFT format (read by Evaluate, Benchmark and Publish).</summary>
    public const string AdapterFolder = "adapter";

    /// <summary><c>adapter_model.safetensors</c>: PEFT adapter weights (in the adapter folder, the package and the release).</summary>
    public const string AdapterWeights = "adapter_model.safetensors";

    /// <summary><c>adapter_config.json</c>: PEFT adapter config (in the adapter folder, the package and the release).</summary>
    public const string AdapterConfig = "adapter_config.json";

    /// <summary><c>train/metrics.jsonl</c>: one line per logged step (read by Evaluate for the loss curves).</summary>
    public const string TrainMetrics = "metrics.jsonl";

    /// <summary><c>train/metrics.csv</c>: the same log as CSV.</summary>
    public const string TrainMetricsCsv = "metrics.csv";

    /// <summary><c>train/loss.png</c>: training and validation loss (copied into the package).</summary>
    public const string LossPlot = "loss.png";

    /// <summary><c>train/train_summary.json</c>: steps, losses and throughput of the run.</summary>
    public const string TrainSummary = "train_summary.json";

    /// <summary><c>train/stats.json</c>: with <c>data.train_files</c>, each file's target and realised share of the examples trained on.</summary>
    public const string TrainStats = "stats.json";

    // ----- Evaluate -----

    /// <summary><c>report.json</c>: metrics and gate verdict (read by Publish, packaged, a release asset, and a later run's baseline).</summary>
    public const string Report = "report.json";

    /// <summary><c>evaluate/report.md</c>: the report for people (copied into the package).</summary>
    public const string ReportMarkdown = "report.md";

    /// <summary><c>evaluate/predictions.jsonl</c>: every test example's base and adapter answers.</summary>
    public const string Predictions = "predictions.jsonl";

    /// <summary><c>evaluate/metrics.png</c>: base-versus-adapter metrics chart (copied into the package).</summary>
    public const string MetricsPlot = "metrics.png";

    /// <summary><c>evaluate/loss_curves.png</c>: the training run's loss curves, linked from <see cref="ReportMarkdown"/>.</summary>
    public const string LossCurvesPlot = "loss_curves.png";

    /// <summary><c>evaluate/baseline.json</c>: the release's <see cref="Report"/> an <c>eval.baseline: release:TAG</c> was fetched from.</summary>
    public const string Baseline = "baseline.json";

    // ----- Publish -----

    /// <summary><c>README.md</c>: the package's Hugging Face model card.</summary>
    public const string ModelCard = "README.md";

    /// <summary><c>SHA256SUMS</c>: checksums in the package folder and beside it.</summary>
    public const string Checksums = "SHA256SUMS";

    /// <summary><c>merged/</c>: the merged Hugging Face checkpoint inside a package (with <c>publish.include_merged</c>).</summary>
    public const string MergedFolder = "merged";

    /// <summary>The extension of the package zip, <c>&lt;tag&gt;.zip</c>.</summary>
    public const string ZipExtension = ".zip";

    /// <summary>The file name of the package zip for <paramref name="tag"/>.</summary>
    public static string PackageZip(string tag) => tag + ZipExtension;
}
