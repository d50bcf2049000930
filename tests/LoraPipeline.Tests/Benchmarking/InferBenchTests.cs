using System.Text.Json.Nodes;
using LoraPipeline.Benchmarking;
using LoraPipeline.Hub;
using LoraPipeline.Lora;
using LoraPipeline.Tests.Support;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Benchmarking;

/// <summary><c>lora bench infer</c> and the Benchmark stage on tiny models with a very small grid: output structure only (no timing asserts).</summary>
[Category("Bench")]
public sealed class InferBenchTests
{
    [Test]
    public void BenchInferWritesTableJsonAndChart()
    {
        using var temp = new TempDirectory();
        var model = Path.Combine(temp.Path, "tiny");
        BuiltinTinyLlama.Write(model);
        var output = Path.Combine(temp.Path, "bench");
        var result = LoraProcess.Run(temp.Path, null, "bench", "infer", "--model", model, "--batch-sizes", "1,2",
            "--prompt-lengths", "8", "--new-tokens", "3", "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("per-token").And.Contain("variant").And.Contain("chatbot").And.Contain("offline batch"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "bench.json")))!;
        var series = json["series"]!.AsArray();
        Assert.That(series.Select(s => s!["name"]!.GetValue<string>()), Is.EqualTo(new[] { BenchSeries.Base }));
        Assert.That(series[0]!["points"]!.AsArray(), Has.Count.EqualTo(2));
        Assert.That(series[0]!["points"]![1]!["batch_size"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(series[0]!["use_cases"]!.AsArray(), Has.Count.EqualTo(UseCaseTargets.All.Count));
        var png = File.ReadAllBytes(Path.Combine(output, "latency-throughput.png"));
        Assert.That(png.Take(4).ToArray(), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
    }

    [Test]
    public void BenchInferWithAdapterMeasuresUnmergedAndMergedInOneRun()
    {
        using var temp = new TempDirectory();
        var model = WriteRandomModel(temp.Combine("model"));
        using (var network = LoadModel(model))
        {
            var adapter = LoraInjector.Apply(network, Options(), seed: 21);
            RandomizeB(adapter, 22);
            PeftAdapter.Save(adapter, temp.Combine("adapter"), model);
        }
        var output = temp.Combine("bench");
        var result = LoraProcess.Run(temp.Path, null, "bench", "infer", "--model", model, "--adapter", temp.Combine("adapter"), "--merged",
            "--batch-sizes", "1,2", "--prompt-lengths", "8", "--new-tokens", "3", "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain($"{BenchSeries.Unmerged}: chatbot").And.Contain($"{BenchSeries.Merged}: offline batch"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "bench.json")))!;
        Assert.That(json["adapter"]!.GetValue<string>(), Is.EqualTo(temp.Combine("adapter")));
        var series = json["series"]!.AsArray();
        Assert.That(series.Select(s => s!["name"]!.GetValue<string>()), Is.EqualTo(new[] { BenchSeries.Unmerged, BenchSeries.Merged }));
        Assert.That(series.Select(s => s!["points"]!.AsArray().Count), Is.All.EqualTo(2));
        Assert.That(series.Select(s => s!["use_cases"]!.AsArray().Count), Is.All.EqualTo(UseCaseTargets.All.Count));

        var refused = LoraProcess.Run(temp.Path, null, "bench", "infer", "--model", model, "--merged", "--out", output);
        Assert.That(refused.ExitCode, Is.Not.EqualTo(0));
        Assert.That(refused.StdErr, Does.Contain("--merged needs --adapter"));
    }

    [Test]
    public void UseCaseTargetsApplyTheirBounds()
    {
        var fast = new BenchPoint(1, 128, 32, 300, 50, 20);
        var slow = new BenchPoint(16, 1024, 32, 2500, 150, 120);
        Assert.That(UseCaseTargets.Chatbot.IsMetBy(fast), Is.True);
        Assert.That(UseCaseTargets.Chatbot.IsMetBy(slow), Is.False);
        Assert.That(UseCaseTargets.InteractiveAssistant.IsMetBy(slow), Is.False, "first token 2.5 s");
        Assert.That(UseCaseTargets.OfflineBatch.IsMetBy(slow), Is.True);
        Assert.That(UseCaseTargets.OfflineBatch.IsMetBy(fast), Is.False);
    }

    [Test]
    public void PlanAndBenchmarkStagesRunOnTheTinyModelWithItsTrainedAdapter()
    {
        using var temp = new TempDirectory("plan-bench");
        var artifacts = temp.Combine("artifacts");
        string[] Args(string stage) => [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts,
            "--set", "bench.batch_sizes=[1, 2]", "--set", "bench.prompt_lengths=[8]", "--set", "bench.new_tokens=3",
            "--set", "train.max_steps=2", "--set", "train.warmup_steps=1", "--set", "train.micro_batch_size=2",
            "--set", "train.global_batch_size=2", "--set", "train.val_check_interval=2"];
        foreach (var stage in new[] { "download", "convert", "plan", "prepare", "train", "benchmark" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage));
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{stage}: {result.Output}");
        }
        Assert.That(File.ReadAllText(Path.Combine(artifacts, "plan", "plan.md")), Does.Contain("H100 80GB"));
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(artifacts, "plan", "plan.json")))!["devices"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(6));
        var bench = JsonNode.Parse(File.ReadAllText(Path.Combine(artifacts, "benchmark", "bench.json")))!;
        Assert.That(bench["adapter"]!.GetValue<string>(), Is.EqualTo("train/adapter"));
        Assert.That(bench["series"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()), Is.EqualTo(new[] { BenchSeries.Unmerged, BenchSeries.Merged }));
        Assert.That(bench["series"]!.AsArray().Select(s => s!["points"]!.AsArray().Count), Is.All.EqualTo(2));
        Assert.That(File.Exists(Path.Combine(artifacts, "benchmark", "latency-throughput.png")));
        var again = LoraProcess.Run(RepositoryPaths.Root, null, Args("plan"));
        Assert.That(again.Output, Does.Contain("plan: up to date"));
    }
}
