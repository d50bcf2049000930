using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>
/// The whole graph on the shipped dataset and the built-in model with a short schedule, through the real CLI:
/// Download → Convert → Prepare → Train → Evaluate → Publish (package only, no token), then the packaged adapter
/// answers exactly as the trained one did.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public class EndToEndTests
{
    private static readonly string[] Short =
    [
        "--set", "train.max_steps=16", "--set", "train.val_check_interval=8", "--set", "train.global_batch_size=4",
        "--set", "train.micro_batch_size=4", "--set", "eval.max_examples=8", "--set", "eval.max_new_tokens=12",
    ];

    private static readonly Dictionary<string, string?> NoGitHub = new() { ["GITHUB_TOKEN"] = null, ["GITHUB_REPOSITORY"] = null, ["GITHUB_ACTIONS"] = null };

    [Test]
    public void TheGraphRunsAndThePublishedAdapterAnswersLikeTheTrainedOne()
    {
        using var temp = new TempDirectory("e2e");
        var artifacts = temp.Combine("a");
        foreach (var stage in new[] { "download", "convert", "prepare", "train", "evaluate", "publish" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, NoGitHub,
                [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. Short]);
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{stage}: {result.Output}");
        }
        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "evaluate", ArtifactNames.Report))))
        {
            var metrics = report.RootElement.GetProperty("metrics");
            Assert.That(metrics.GetProperty("adapter").GetProperty("loss").GetDouble(), Is.LessThan(metrics.GetProperty("base").GetProperty("loss").GetDouble()));
            Assert.That(report.RootElement.GetProperty("gate").GetProperty("passed").GetBoolean(), Is.True);
            var data = report.RootElement.GetProperty("config").GetProperty("data");
            Assert.That(data.GetProperty("packing").GetBoolean(), Is.False, "the report records how the data was fed");
            Assert.That(data.GetProperty("max_seq_length").GetInt32(), Is.EqualTo(ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml")).Data.MaxSeqLength));
        }
        foreach (var file in new[] { ArtifactNames.ReportMarkdown, ArtifactNames.Predictions, ArtifactNames.MetricsPlot, ArtifactNames.LossCurvesPlot })
            Assert.That(File.Exists(Path.Combine(artifacts, "evaluate", file)), file);

        var package = Directory.GetDirectories(Path.Combine(artifacts, "publish")).Single();
        string[] Ask(string adapter) =>
        [
            "generate", "--model", Path.Combine(artifacts, "convert"), "--adapter", adapter, "--max-new-tokens", "12", "--json",
            "--question", "What is the memory capacity of the ACME-X100?", "--context", "The ACME-X100 has 1 GB of RAM.",
        ];
        var trained = LoraProcess.Run(RepositoryPaths.Root, null, Ask(Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder)));
        var published = LoraProcess.Run(RepositoryPaths.Root, null, Ask(package));
        Assert.That(trained.ExitCode, Is.EqualTo(0), trained.Output);
        Assert.That(published.ExitCode, Is.EqualTo(0), published.Output);
        Assert.That(published.StdOut, Is.EqualTo(trained.StdOut));
        var baseOnly = LoraProcess.Run(RepositoryPaths.Root, null, ["generate", "--model", Path.Combine(artifacts, "convert"), "--max-new-tokens", "12", "--json",
            "--question", "What is the memory capacity of the ACME-X100?", "--context", "The ACME-X100 has 1 GB of RAM.",
            "--prompt-format", Path.Combine(artifacts, "prepare", ArtifactNames.PromptFormat)]);
        Assert.That(baseOnly.StdOut, Is.Not.EqualTo(trained.StdOut), "the adapter changes the answer");

        // A second run of the graph is up to date everywhere.
        var again = LoraProcess.Run(RepositoryPaths.Root, NoGitHub, ["evaluate", "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. Short]);
        Assert.That(again.Output, Does.Contain("evaluate: up to date"));
    }

    [Test]
    public void AFailedGateExitsWithCode4EvenWhenUpToDate()
    {
        using var temp = new TempDirectory("e2e-gate");
        var artifacts = temp.Combine("a");
        string[] Args(string stage) => [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. Short,
            "--set", "train.max_steps=2", "--set", "eval.max_eval_loss=0.5"];
        foreach (var stage in new[] { "download", "convert", "prepare", "train" })
            Assert.That(LoraProcess.Run(RepositoryPaths.Root, NoGitHub, Args(stage)).ExitCode, Is.EqualTo(0), stage);
        var failed = LoraProcess.Run(RepositoryPaths.Root, NoGitHub, Args("evaluate"));
        Assert.That(failed.ExitCode, Is.EqualTo(4), failed.Output);
        Assert.That(failed.StdErr, Does.Contain("max_eval_loss"));
        Assert.That(File.ReadAllText(Path.Combine(artifacts, "evaluate", ArtifactNames.ReportMarkdown)), Does.Contain("Gate: FAILED"));
        var again = LoraProcess.Run(RepositoryPaths.Root, NoGitHub, Args("evaluate"));
        Assert.That(again.Output, Does.Contain("up to date"));
        Assert.That(again.ExitCode, Is.EqualTo(4), "a failed gate never turns green by re-running");
        var publish = LoraProcess.Run(RepositoryPaths.Root, NoGitHub, Args("publish"));
        Assert.That(publish.ExitCode, Is.Not.EqualTo(0), "publish refuses a failed gate");
    }
}
