using System.Diagnostics;
using System.Text.Json.Nodes;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.PTuning;

/// <summary>
/// Issue 17 point 3 through the real CLI on the built-in tiny model and the shipped dataset: a P-tuning run
/// (<c>peft.scheme=ptuning</c>, 8 virtual tokens, MLP encoder) whose validation loss falls, resumes exactly after a kill,
/// and whose adapter Evaluate, <c>lora logits</c>, <c>lora generate</c> and <c>lora bench infer</c> load, while
/// <c>lora merge</c> refuses it.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public class PTuningTrainingTests
{
    private static PreparedArtifacts _runs = null!;
    private static string _reference = null!;

    private static readonly string[] Short =
    [
        "--set", "train.max_steps=8", "--set", "train.val_check_interval=4", "--set", "train.global_batch_size=4",
        "--set", "train.micro_batch_size=2", "--set", "train.warmup_steps=2", "--set", "train.keep_last_checkpoints=2",
        "--set", "train.early_stopping_patience=0", "--set", "train.precision=f32", "--set", "train.lr=3e-3",
        "--set", "peft.scheme=ptuning", "--set", "peft.num_virtual_tokens=8", "--set", "eval.max_examples=2",
    ];

    private static string[] Args(string stage, string artifacts, params string[] extra) => _runs.Args(stage, artifacts, extra);

    private static string Fresh(string name) => _runs.Fresh(name);

    private static string Cli(params string[] args)
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, args);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"lora {string.Join(' ', args)}: {result.Output}");
        return result.Output;
    }

    [OneTimeSetUp]
    public static void TrainOnce()
    {
        _runs = new PreparedArtifacts("ptuning-train", Short);
        _reference = Fresh("reference");
        Cli(Args("train", _reference));
    }

    [OneTimeTearDown]
    public static void Cleanup() => _runs.Dispose();


    private static string AdapterFolder(string artifacts) => Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder);

    private static List<(int Step, double? Loss, double? Validation)> Losses(string artifacts) =>
        MetricsLog.Read(Path.Combine(artifacts, "train", ArtifactNames.TrainMetrics)).Select(m => (m.Step, m.Loss, m.ValidationLoss)).ToList();

    [Test]
    public void ValidationLossFallsAndTheAdapterIsAPeftPTuningFolderThatReloadsToTheSameValidationLoss()
    {
        var metrics = MetricsLog.Read(Path.Combine(_reference, "train", ArtifactNames.TrainMetrics));
        var initial = metrics.First(m => m.Step == 0).ValidationLoss!.Value;
        var bestMetric = metrics.Where(m => m.ValidationLoss is not null).MinBy(m => m.ValidationLoss!.Value)!;
        var best = bestMetric.ValidationLoss!.Value;
        TestContext.Out.WriteLine($"P-tuning validation loss {initial:0.0000} at step 0 -> {best:0.0000} at step {bestMetric.Step}");
        Assert.That(best, Is.LessThan(initial - 0.05));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AdapterFolder(_reference), ArtifactNames.AdapterConfig)))!;
        Assert.That(config["peft_type"]!.GetValue<string>(), Is.EqualTo("P_TUNING"));
        Assert.That(config["num_virtual_tokens"]!.GetValue<int>(), Is.EqualTo(8));
        Assert.That(config["token_dim"]!.GetValue<int>(), Is.EqualTo(128), "the tiny model's hidden size");
        Assert.That(config["encoder_hidden_size"]!.GetValue<int>(), Is.EqualTo(128), "defaults to token_dim, as PEFT");
        Assert.That(config["base_model_name_or_path"]!.GetValue<string>(), Is.EqualTo("builtin:tiny-llama"));
        Assert.That(File.Exists(Path.Combine(AdapterFolder(_reference), "chat_template.jinja")));

        // The best adapter, reloaded from its folder, gives the validation loss the run logged for it (f32 both times).
        using var model = LlamaForCausalLM.Load(Path.Combine(_reference, "convert"), ScalarType.Float32, CPU);
        LoadedAdapter.Apply(model, AdapterFolder(_reference));
        var valid = SplitFiles.ReadLines<TokenRecord>(Path.Combine(_reference, "prepare", SplitFiles.TokensFile(Split.Valid)));
        var reloaded = AnswerLoss.Mean(model, valid, new LoraPipeline.Configuration.TrainOptions().EvalBatchSize, CPU);
        TestContext.Out.WriteLine($"reloaded adapter: validation loss {reloaded:0.000000000} (logged {best:0.000000000}, |diff| {Math.Abs(reloaded - best):E2})");
        Assert.That(reloaded, Is.EqualTo(best).Within(1e-6).Percent);
    }

    [Test]
    public void ARunKilledMidTrainingResumesToTheSameAdapterAndMetricsBitwise()
    {
        var artifacts = Fresh("killed");
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts)))
        {
            PreparedArtifacts.WaitForCheckpoint(artifacts, process, "step-000004", TimeSpan.FromMinutes(3));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var resumed = Cli(Args("train", artifacts));
        Assert.That(resumed, Does.Contain("resumed from step 4"));
        Assert.That(File.ReadAllBytes(Path.Combine(AdapterFolder(artifacts), ArtifactNames.AdapterWeights)),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(AdapterFolder(_reference), ArtifactNames.AdapterWeights))), "the prompt encoder and its AdamW moments were restored exactly");
        Assert.That(Losses(artifacts), Is.EqualTo(Losses(_reference)));
    }

    [Test]
    public void EvaluateLogitsGenerateAndBenchLoadTheAdapterAndMergeRefusesIt()
    {
        var evaluate = Cli(Args("evaluate", _reference));
        Assert.That(evaluate, Does.Contain("base + adapter (P-tuning, 8 virtual tokens)"));
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(_reference, "evaluate", "report.json")))!;
        var weights = Path.Combine(AdapterFolder(_reference), ArtifactNames.AdapterWeights);
        Assert.That(report["gate"]!["adapter_sha256"]!.GetValue<string>(),
            Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(weights)))), "the gate judged this adapter");

        var convert = Path.Combine(_reference, "convert");
        var adapter = AdapterFolder(_reference);
        Cli("logits", "--model", convert, "--ids", "464 3139 286", "--out", _runs.Combine("base.json"));
        Cli("logits", "--model", convert, "--adapter", adapter, "--ids", "464 3139 286", "--out", _runs.Combine("adapter.json"));
        float[] Row(string file, int position) => JsonNode.Parse(File.ReadAllText(file))!["logits"]![position]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        using var model = LlamaForCausalLM.Load(convert, ScalarType.Float32, CPU);
        LoadedAdapter.Apply(model, adapter);
        model.eval();
        using (no_grad())
        {
            using var logits = model.Forward(tensor(new long[] { 464, 3139, 286 }, [1, 3], ScalarType.Int64, CPU));
            var expected = logits[0][2].data<float>().ToArray();
            var cli = Row(_runs.Combine("adapter.json"), 2);
            Assert.That(cli.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-6f), "lora logits --adapter applies the virtual tokens");
        }
        Assert.That(Row(_runs.Combine("adapter.json"), 2).Zip(Row(_runs.Combine("base.json"), 2), (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-4f));

        Assert.That(Cli("generate", "--model", convert, "--adapter", adapter, "--ids", "464 3139 286", "--max-new-tokens", "3"), Is.Not.Empty);
        var bench = Cli("bench", "infer", "--model", convert, "--adapter", adapter, "--batch-sizes", "1", "--prompt-lengths", "8", "--new-tokens", "2",
            "--dtype", "f32", "--out", _runs.Combine("bench"));
        Assert.That(bench, Does.Contain("P-tuning, 8 virtual tokens"));

        var merge = LoraProcess.Run(RepositoryPaths.Root, null, "merge", "--model", convert, "--adapter", adapter, "--out", _runs.Combine("merged"));
        Assert.That(merge.ExitCode, Is.Not.EqualTo(0));
        Assert.That(merge.Output, Does.Contain("peft_type is P_TUNING").And.Contain("nothing to merge"));
        Assert.That(merge.Output, Does.Not.Contain("   at "), "one line, no stack trace");
        Assert.That(Directory.Exists(_runs.Combine("merged")), Is.False);
    }

}
