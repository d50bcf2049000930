using System.Diagnostics;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Training;

/// <summary>The Train stage through the real CLI on the shipped dataset and the built-in tiny model, with a short schedule.</summary>
[Category("Integration")]
[NonParallelizable]
public class TrainStageTests
{
    private static PreparedArtifacts _runs = null!;

    private static readonly string[] Short =
    [
        "--set", "train.max_steps=12", "--set", "train.val_check_interval=4", "--set", "train.global_batch_size=4",
        "--set", "train.micro_batch_size=2", "--set", "train.warmup_steps=2", "--set", "train.keep_last_checkpoints=2",
        "--set", "train.early_stopping_patience=0",
    ];

    private static string[] Args(string stage, string artifacts, params string[] extra) => _runs.Args(stage, artifacts, extra);

    private static string Fresh(string name) => _runs.Fresh(name);

    [OneTimeSetUp]
    public static void PrepareOnce() => _runs = new PreparedArtifacts("train-stage", Short);

    [OneTimeTearDown]
    public static void Cleanup() => _runs.Dispose();


    private static byte[] Adapter(string artifacts) => File.ReadAllBytes(Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder, ArtifactNames.AdapterWeights));

    private static List<(int Step, double? Loss, double? Validation)> Losses(string artifacts) =>
        MetricsLog.Read(Path.Combine(artifacts, "train", ArtifactNames.TrainMetrics)).Select(m => (m.Step, m.Loss, m.ValidationLoss)).ToList();

    private static string _reference = "";

    private static string Reference()
    {
        if (_reference.Length > 0) return _reference;
        var artifacts = Fresh("reference");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        return _reference = artifacts;
    }

    [Test]
    public void TrainingLowersValidationLossAndWritesItsOutputs()
    {
        var artifacts = Reference();
        var metrics = MetricsLog.Read(Path.Combine(artifacts, "train", ArtifactNames.TrainMetrics));
        var initial = metrics.First(m => m.Step == 0).ValidationLoss!.Value;
        var best = metrics.Where(m => m.ValidationLoss is not null).Min(m => m.ValidationLoss!.Value);
        TestContext.Out.WriteLine($"validation loss {initial:0.0000} at step 0 -> {best:0.0000}");
        Assert.That(best, Is.LessThan(initial - 0.05));
        Assert.That(metrics.Select(m => m.Step), Is.EqualTo(Enumerable.Range(0, 13)));
        foreach (var file in new[]
                 {
                     Path.Combine(ArtifactNames.AdapterFolder, ArtifactNames.AdapterConfig), Path.Combine(ArtifactNames.AdapterFolder, ArtifactNames.AdapterWeights),
                     ArtifactNames.TrainMetricsCsv, ArtifactNames.LossPlot, ArtifactNames.TrainSummary,
                     Path.Combine(ArtifactNames.AdapterFolder, "chat_template.jinja"),
                 })
            Assert.That(File.Exists(Path.Combine(artifacts, "train", file)), file);
        var adapter = Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder);
        Assert.That(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "tokenizer_config.json")))!["chat_template"]!.GetValue<string>(),
            Is.EqualTo(ChatTemplateWriter.Render(PromptFormatRecord.Read(Path.Combine(artifacts, "prepare")))), "the adapter carries its training prompt as chat_template");
    }

    [Test]
    public void QloraOnAnNf4BaseLowersValidationLossLikeTheBf16BaseAndIsReproducible()
    {
        string[] nf4 = ["--set", "model.quantization=nf4"];
        string Run(string name, params string[] extra)
        {
            var artifacts = Fresh(name);
            foreach (var stage in new[] { "convert", "prepare", "train" })
            {
                var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, artifacts, [.. nf4, .. extra]));
                Assert.That(result.ExitCode, Is.EqualTo(0), $"{stage}: {result.Output}");
                if (stage == "train" && extra.Length > 0) Assert.That(result.Output, Does.Contain("layers over 2 devices"));
            }
            return artifacts;
        }
        var qlora = Run("qlora");
        Assert.That(File.ReadAllText(Path.Combine(qlora, "convert", "config.json")), Does.Contain("\"bnb_4bit_quant_type\": \"nf4\""));
        (double Initial, double Best) Curve(string artifacts)
        {
            var metrics = MetricsLog.Read(Path.Combine(artifacts, "train", ArtifactNames.TrainMetrics));
            return (metrics.First(m => m.Step == 0).ValidationLoss!.Value, metrics.Where(m => m.ValidationLoss is not null).Min(m => m.ValidationLoss!.Value));
        }
        var (qInitial, qBest) = Curve(qlora);
        var (initial, best) = Curve(Reference());
        TestContext.Out.WriteLine($"validation loss, bf16 base: {initial:0.0000} -> {best:0.0000}; NF4 base (QLoRA): {qInitial:0.0000} -> {qBest:0.0000}");
        Assert.That(qBest, Is.LessThan(qInitial - 0.05), "QLoRA learns");
        Assert.That(qInitial - qBest, Is.GreaterThan(0.5 * (initial - best)), "and about as much as LoRA on the bf16 base");
        Assert.That(Adapter(Run("qlora-again-placed", "--set", "train.devices=[cpu,cpu]")), Is.EqualTo(Adapter(qlora)),
            "bitwise reproducible, with the 4-bit layers spread over two devices as on one");
    }

    [Test]
    public void LayersSpreadOverThreeCpuDevicesGiveTheSameAdapterBitwiseAndThePlacementIsPrinted()
    {
        var artifacts = Fresh("placed");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, "--set", "train.devices=[cpu,cpu,cpu]"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("layers over 3 devices"));
        Assert.That(result.Output, Does.Contain("cpu: embed_tokens, layer").And.Contain("norm + lm_head"));
        Assert.That(Adapter(artifacts), Is.EqualTo(Adapter(Reference())), "the same code path as one device");
        Assert.That(Losses(artifacts), Is.EqualTo(Losses(Reference())));

        var tooMany = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", Fresh("too-many"), "--set", "train.devices=[cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu]"));
        Assert.That(tooMany.ExitCode, Is.Not.EqualTo(0));
        Assert.That(tooMany.StdErr, Does.Contain("train.devices").And.Contain("each device needs at least one layer"));
        var auto = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", Fresh("auto"), "--set", "train.devices=[auto]"));
        Assert.That(auto.ExitCode, Is.Not.EqualTo(0));
        Assert.That(auto.StdErr, Does.Contain("[auto]").And.Contain("none"));
    }

    [Test]
    public void TwoRunsWithTheSameSeedGiveBitwiseIdenticalAdapters()
    {
        var second = Fresh("second");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", second));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(Adapter(second), Is.EqualTo(Adapter(Reference())));
        Assert.That(Losses(second), Is.EqualTo(Losses(Reference())));
        var other = Fresh("other-seed");
        Assert.That(LoraProcess.Run(RepositoryPaths.Root, null, Args("train", other, "--set", "train.seed=7")).ExitCode, Is.EqualTo(0));
        Assert.That(Adapter(other), Is.Not.EqualTo(Adapter(Reference())), "the seed matters");
    }

    [Test]
    public void ARunKilledMidTrainingResumesToTheSameAdapterAndMetrics()
    {
        var artifacts = Fresh("killed");
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts)))
        {
            PreparedArtifacts.WaitForCheckpoint(artifacts, process, "step-000004", TimeSpan.FromMinutes(3));
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
            process.WaitForExit();
        }
        Assert.That(File.Exists(Path.Combine(artifacts, "train", ArtifactNames.StageManifest)), Is.False, "a killed stage commits nothing");
        var resumed = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output);
        Assert.That(resumed.Output, Does.Contain("resumed from step"));
        Assert.That(Adapter(artifacts), Is.EqualTo(Adapter(Reference())));
        Assert.That(Losses(artifacts), Is.EqualTo(Losses(Reference())));
    }

    [Test]
    public void SigintFinishesTheStepWritesACheckpointAndExitsNonZero()
    {
        var artifacts = Fresh("interrupted");
        int exitCode;
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts)))
        {
            PreparedArtifacts.WaitForCheckpoint(artifacts, process, "step-000004", TimeSpan.FromMinutes(3));
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString()])) kill.WaitForExit();
            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(2)), Is.True);
            exitCode = process.ExitCode;
        }
        if (exitCode == 0) Assert.Inconclusive("training finished before the signal arrived");
        Assert.That(exitCode, Is.EqualTo(130));
        var resumed = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output);
        Assert.That(resumed.Output, Does.Contain("resumed from step"));
        Assert.That(Adapter(artifacts), Is.EqualTo(Adapter(Reference())));
    }

    // Issue 19 finding 8: a second Ctrl-C once ended in a PyTorch internal assert (finalizers ran while libtorch computed).
    [Test]
    public void ASecondSigintExitsAtOnceWithoutAnAssertOrAHalfWrittenStage()
    {
        var artifacts = Fresh("interrupted-twice");
        var errors = new System.Text.StringBuilder();
        int exitCode;
        var watch = new Stopwatch();
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts, "--set", "train.max_steps=400", "--set", "train.val_check_interval=4")))
        {
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
            PreparedArtifacts.WaitForCheckpoint(artifacts, process, "step-000004", TimeSpan.FromMinutes(3));
            watch.Start();
            using (var first = Process.Start("kill", ["-INT", process.Id.ToString()])) first.WaitForExit();
            Thread.Sleep(100);
            using (var second = Process.Start("kill", ["-INT", process.Id.ToString()])) second.WaitForExit();
            Assert.That(process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "exits after the second SIGINT");
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        string text;
        lock (errors) text = errors.ToString();
        if (exitCode == 0) Assert.Inconclusive("training finished before the signals arrived");
        Assert.That(exitCode, Is.EqualTo(130), text);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        Assert.That(text, Does.Not.Contain("INTERNAL ASSERT").And.Not.Contain("   at ").And.Not.Contain("Unhandled"));
        Assert.That(File.Exists(Path.Combine(artifacts, "train", ArtifactNames.StageManifest)), Is.False, "nothing committed");
        var resumed = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, "--set", "train.max_steps=8"));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), "the run can start again: " + resumed.Output);
    }

    private static readonly string[] Scaled =
    [
        "--set", "data.packing=true", "--set", "train.activation_checkpointing=full", "--set", "train.loss_chunk_tokens=16",
    ];

    [Test]
    public void PackedRecomputedChunkedTrainingIsReproducibleResumableAndValidatesAsUnpacked()
    {
        var packed = Fresh("packed");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", packed, Scaled));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(Adapter(packed), Is.Not.EqualTo(Adapter(Reference())), "packing changes the rows, so the numerics");
        // Validation never packs; chunking the LM head only reorders float sums.
        Assert.That(Losses(packed)[0].Validation!.Value, Is.EqualTo(Losses(Reference())[0].Validation!.Value).Within(1e-6).Percent,
            "validation does not depend on packing");
        var best = Losses(packed).Where(l => l.Validation is not null).Min(l => l.Validation!.Value);
        Assert.That(best, Is.LessThan(Losses(packed)[0].Validation!.Value - 0.05), "packed training learns");

        var killed = Fresh("packed-killed");
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", killed, Scaled)))
        {
            PreparedArtifacts.WaitForCheckpoint(killed, process, "step-000004", TimeSpan.FromMinutes(3));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var resumed = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", killed, Scaled));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output);
        Assert.That(resumed.Output, Does.Contain("resumed from step"));
        Assert.That(Adapter(killed), Is.EqualTo(Adapter(packed)), "same seed, same packed rows after resume");
        Assert.That(Losses(killed), Is.EqualTo(Losses(packed)));
    }

    // Issue 17 point 2: Prepare's train split mixed 70/30 with a second prepared file (every other example, ids renamed).
    private static string[] Mixed(string extraFolder) =>
    [
        "--set", $"data.train_files=[prepare, '{extraFolder}']", "--set", "data.concat_sampling_probabilities=[0.7, 0.3]",
    ];

    private static string ExtraFile()
    {
        var folder = _runs.Combine("extra");
        Directory.CreateDirectory(folder);
        var lines = File.ReadAllLines(Path.Combine(_runs.Prepared, "prepare", ArtifactNames.TrainTokens));
        File.WriteAllLines(Path.Combine(folder, ArtifactNames.TrainTokens),
            lines.Where((_, i) => i % 2 == 0).Select(l => l.Replace("{\"id\":\"", "{\"id\":\"extra-", StringComparison.Ordinal)));
        return folder;
    }

    [Test]
    public void MixedTrainingFilesGiveTheirSharesAndAKilledRunResumesToTheSameAdapter()
    {
        var extra = ExtraFile();
        var mixed = Fresh("mixed");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", mixed, Mixed(extra)));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);

        using var stats = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(mixed, "train", ArtifactNames.TrainStats)));
        var root = stats.RootElement;
        Assert.That(root.GetProperty("examples_trained").GetInt64(), Is.EqualTo(12 * 4));
        var files = root.GetProperty("files").EnumerateArray().ToList();
        var own = File.ReadAllLines(Path.Combine(_runs.Prepared, "prepare", ArtifactNames.TrainTokens)).Length;
        Assert.That(files.Select(f => f.GetProperty("examples").GetInt32()), Is.EqualTo(new[] { own, (own + 1) / 2 }));
        Assert.That(root.GetProperty("epoch_examples").GetInt64(), Is.EqualTo(own + (own + 1) / 2));
        Assert.That(files.Sum(f => f.GetProperty("drawn").GetInt64()), Is.EqualTo(48));
        foreach (var (file, target) in files.Zip(new[] { 0.7, 0.3 }))
        {
            Assert.That(file.GetProperty("probability").GetDouble(), Is.EqualTo(target));
            Assert.That(file.GetProperty("epoch_share").GetDouble(), Is.EqualTo(target).Within(0.02), "over an epoch of the tiny set");
            Assert.That(file.GetProperty("share").GetDouble(), Is.EqualTo(target).Within(1.0 / 48 + 1e-9), "over the run's 48 examples: within one example");
        }

        var killed = Fresh("mixed-killed");
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", killed, Mixed(extra))))
        {
            PreparedArtifacts.WaitForCheckpoint(killed, process, "step-000004", TimeSpan.FromMinutes(3));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var resumed = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", killed, Mixed(extra)));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Output);
        Assert.That(resumed.Output, Does.Contain("resumed from step"));
        Assert.That(Adapter(killed), Is.EqualTo(Adapter(mixed)), "same seed, same mixed order after resume");
        Assert.That(Losses(killed), Is.EqualTo(Losses(mixed)));
        Assert.That(File.ReadAllText(Path.Combine(killed, "train", ArtifactNames.TrainStats)), Is.EqualTo(File.ReadAllText(Path.Combine(mixed, "train", ArtifactNames.TrainStats))));
    }

}
