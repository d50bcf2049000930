using System.Reflection;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>
/// The on-disk names of the artifacts, pinned once: the other tests use <see cref="ArtifactNames"/>, so this is where a rename
/// shows. PEFT, transformers and vLLM look for the adapter files by name, and older releases' report.json is fetched by name.
/// </summary>
public class ArtifactNamesTests
{
    private static readonly Dictionary<string, string> Expected = new()
    {
        [nameof(ArtifactNames.StageManifest)] = "stage.json",
        [nameof(ArtifactNames.ModelSource)] = "source.json",
        [nameof(ArtifactNames.ConversionManifest)] = "conversion.json",
        [nameof(ArtifactNames.TrainSplit)] = "train.jsonl",
        [nameof(ArtifactNames.ValidSplit)] = "valid.jsonl",
        [nameof(ArtifactNames.TestSplit)] = "test.jsonl",
        [nameof(ArtifactNames.TrainTokens)] = "train.tokens.jsonl",
        [nameof(ArtifactNames.ValidTokens)] = "valid.tokens.jsonl",
        [nameof(ArtifactNames.TestTokens)] = "test.tokens.jsonl",
        [nameof(ArtifactNames.PromptFormat)] = "prompt_format.json",
        [nameof(ArtifactNames.TrainStats)] = "stats.json",
        [nameof(ArtifactNames.PrepareStats)] = "stats.json",
        [nameof(ArtifactNames.PrepareStatsMarkdown)] = "stats.md",
        [nameof(ArtifactNames.AdapterFolder)] = "adapter",
        [nameof(ArtifactNames.AdapterWeights)] = "adapter_model.safetensors",
        [nameof(ArtifactNames.AdapterConfig)] = "adapter_config.json",
        [nameof(ArtifactNames.TrainMetrics)] = "metrics.jsonl",
        [nameof(ArtifactNames.TrainMetricsCsv)] = "metrics.csv",
        [nameof(ArtifactNames.LossPlot)] = "loss.png",
        [nameof(ArtifactNames.TrainSummary)] = "train_summary.json",
        [nameof(ArtifactNames.Report)] = "report.json",
        [nameof(ArtifactNames.ReportMarkdown)] = "report.md",
        [nameof(ArtifactNames.Predictions)] = "predictions.jsonl",
        [nameof(ArtifactNames.MetricsPlot)] = "metrics.png",
        [nameof(ArtifactNames.LossCurvesPlot)] = "loss_curves.png",
        [nameof(ArtifactNames.Baseline)] = "baseline.json",
        [nameof(ArtifactNames.ModelCard)] = "README.md",
        [nameof(ArtifactNames.Checksums)] = "SHA256SUMS",
        [nameof(ArtifactNames.MergedFolder)] = "merged",
        [nameof(ArtifactNames.ZipExtension)] = ".zip",
    };

    [Test]
    public void EveryNameIsPinnedAndUnique()
    {
        var constants = typeof(ArtifactNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        Assert.That(constants, Is.EquivalentTo(Expected), "a new or renamed artifact changes a contract between stages: pin it here");
        // Train's stats.json (realised shares of mixed files) sits in train/ as Prepare's sits in prepare/: one name per stage folder.
        Assert.That(constants.Where(c => c.Key != nameof(ArtifactNames.TrainStats)).Select(c => c.Value), Is.Unique);
        Assert.That(ArtifactNames.TrainStats, Is.EqualTo(ArtifactNames.PrepareStats));
        Assert.That(ArtifactNames.PackageZip("adapter-v1.0.0"), Is.EqualTo("adapter-v1.0.0.zip"));
    }
}
