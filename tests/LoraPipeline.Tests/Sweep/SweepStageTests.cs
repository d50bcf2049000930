using System.Text.Json;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Sweep;

/// <summary>
/// Issue 17 point 1: the Sweep stage through the real CLI on the shipped dataset and the built-in tiny model, with trials of a
/// few steps: ranking checked against the trials' own metrics logs, up to date on rerun, only new trials on a changed grid, the
/// divergence stop, and <c>train.from_sweep</c>.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public class SweepStageTests
{
    private static TempDirectory _temp = null!;
    private static string _artifacts = null!;

    private static readonly string[] Short =
    [
        "--set", "train.global_batch_size=4", "--set", "train.micro_batch_size=2", "--set", "train.warmup_steps=1",
        "--set", "train.early_stopping_patience=0", "--set", "sweep.max_steps=8", "--set", "sweep.val_check_interval=2",
    ];

    private static string[] Args(string stage, string artifacts, params string[] extra) =>
        [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. Short, .. extra];

    // lr 1.0 with alpha/r = 64 blows the adapter up within a few steps (a non-finite gradient norm or validation loss above step 0's).
    private static readonly string[] Grid = ["--set", "sweep.lr=[3e-3, 1e-2, 1.0]", "--set", "sweep.lora_r=[4]", "--set", "sweep.lora_alpha=[256]"];

    [OneTimeSetUp]
    public static void SweepOnce()
    {
        _temp = new TempDirectory("sweep-stage");
        _artifacts = _temp.Combine("a");
        foreach (var stage in new[] { "download", "convert", "prepare" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, _artifacts));
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        }
        var early = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", _artifacts, "--set", "train.from_sweep=true"));
        Assert.That(early.ExitCode, Is.EqualTo(2), early.Output);
        Assert.That(early.StdErr, Does.Contain("train.from_sweep").And.Contain("best.yaml").And.Contain("--target=Sweep"));
        var sweep = LoraProcess.Run(RepositoryPaths.Root, null, Args("sweep", _artifacts, Grid));
        Assert.That(sweep.ExitCode, Is.EqualTo(0), sweep.Output);
        TestContext.Out.WriteLine(sweep.StdOut);
    }

    [OneTimeTearDown]
    public static void Cleanup() => _temp.Dispose();

    private static JsonElement Report() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_artifacts, "sweep", "report.json"))).RootElement;

    [Test, Order(1)]
    public void TheBestTrialHasTheLowestValidationLossOfTheTrialsMetrics()
    {
        var report = Report();
        var trials = report.GetProperty("trials").EnumerateArray().ToList();
        Assert.That(trials, Has.Count.EqualTo(3));
        // Each trial's lowest validation loss, read from the metrics log the trial's training wrote.
        var fromMetrics = trials.ToDictionary(t => t.GetProperty("id").GetString()!, t =>
            MetricsLog.Read(Path.Combine(_artifacts, "sweep", "trials", t.GetProperty("id").GetString()!, ArtifactNames.TrainMetrics))
                .Where(m => m.ValidationLoss is { } v && double.IsFinite(v)).Min(m => m.ValidationLoss!.Value));
        var healthy = trials.Where(t => t.GetProperty("status").GetString() == "ok").Select(t => t.GetProperty("id").GetString()!).ToList();
        var lowest = healthy.MinBy(id => fromMetrics[id]);
        var best = report.GetProperty("best");
        Assert.That(best.GetProperty("id").GetString(), Is.EqualTo(lowest));
        Assert.That(best.GetProperty("best_validation_loss").GetDouble(), Is.EqualTo(fromMetrics[lowest!]).Within(1e-12));
        foreach (var t in trials)
            Assert.That(t.GetProperty("validation_losses").GetArrayLength(), Is.GreaterThanOrEqualTo(2), "step 0 and at least one more");
        foreach (var file in new[] { "report.md", "validation-loss.png", "best.yaml" })
            Assert.That(new FileInfo(Path.Combine(_artifacts, "sweep", file)).Length, Is.GreaterThan(100), file);
        var bestLr = best.GetProperty("overrides").GetProperty("train.lr").GetString();
        Assert.That(File.ReadAllText(Path.Combine(_artifacts, "sweep", "best.yaml")), Does.Contain($"lr: {bestLr}"));
    }

    [Test, Order(2)]
    public void AHugeLearningRateStopsEarlyAsDiverged()
    {
        var huge = Report().GetProperty("trials").EnumerateArray().Single(t => t.GetProperty("overrides").GetProperty("train.lr").GetString() == "1");
        Assert.That(huge.GetProperty("status").GetString(), Is.EqualTo("diverged"), huge.ToString());
        Assert.That(huge.GetProperty("steps").GetInt32(), Is.LessThan(8), "stopped before its last step");
        var metrics = MetricsLog.Read(Path.Combine(_artifacts, "sweep", "trials", huge.GetProperty("id").GetString()!, ArtifactNames.TrainMetrics));
        var initial = metrics.First(m => m.Step == 0).ValidationLoss!.Value;
        var last = metrics.Last(m => m.ValidationLoss is not null).ValidationLoss!.Value;
        var lastStep = metrics[^1];
        Assert.That(lastStep.Step, Is.EqualTo(huge.GetProperty("steps").GetInt32()), "nothing logged after the stop");
        Assert.That(!double.IsFinite(last) || last > initial || !double.IsFinite(lastStep.GradNorm) || lastStep.Loss is { } l && !double.IsFinite(l), Is.True,
            $"stopped at step {lastStep.Step}: validation {last} vs step 0 {initial}, grad norm {lastStep.GradNorm}");
    }

    [Test, Order(3)]
    public void ARerunIsUpToDateAndAChangedGridRunsOnlyTheNewTrial()
    {
        var again = LoraProcess.Run(RepositoryPaths.Root, null, Args("sweep", _artifacts, Grid));
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Output);
        Assert.That(again.StdOut, Does.Contain("sweep: up to date"));
        Assert.That(again.StdOut, Does.Not.Contain("running"));

        string[] changed = ["--set", "sweep.lr=[3e-3, 1e-2, 1.0, 3e-2]", "--set", "sweep.lora_r=[4]", "--set", "sweep.lora_alpha=[256]"];
        var grown = LoraProcess.Run(RepositoryPaths.Root, null, Args("sweep", _artifacts, changed));
        Assert.That(grown.ExitCode, Is.EqualTo(0), grown.Output);
        Assert.That(grown.StdOut, Does.Contain("4 trials (1 trained, 3 up to date)"));
        Assert.That(grown.StdOut.Split('\n').Count(l => l.Contains(": running 8 steps")), Is.EqualTo(1));
        Assert.That(Report().GetProperty("trials").GetArrayLength(), Is.EqualTo(4));
    }

    [Test, Order(4)]
    public void TrainFromSweepTakesTheWinner()
    {
        var best = Report().GetProperty("best").GetProperty("overrides");
        var lr = best.GetProperty("train.lr").GetString();
        var train = LoraProcess.Run(RepositoryPaths.Root, null,
            Args("train", _artifacts, "--set", "train.from_sweep=true", "--set", "train.max_steps=1", "--set", "train.val_check_interval=1"));
        Assert.That(train.ExitCode, Is.EqualTo(0), train.Output);
        Assert.That(train.StdOut, Does.Contain($"train.from_sweep: train.lr={lr} lora.r=4 lora.alpha=256"));
        var metrics = MetricsLog.Read(Path.Combine(_artifacts, "train", ArtifactNames.TrainMetrics));
        var peak = double.Parse(lr!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(metrics.Single(m => m.Step == 1).LearningRate, Is.EqualTo(peak).Within(1e-12), "step 1 of 1 after 1 warm-up step runs at the winner's peak");
        var adapterConfig = File.ReadAllText(Path.Combine(_artifacts, "train", ArtifactNames.AdapterFolder, "adapter_config.json"));
        Assert.That(adapterConfig, Does.Contain("\"r\": 4"));
    }
}
