using System.Globalization;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Training;

/// <summary><c>lora bench train</c> on a tiny model: every figure line is printed (no timing assertions).</summary>
[Category("Bench")]
public class TrainBenchCliTests
{
    [Test]
    public void BenchTrainPrintsEveryFigure()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null,
            "bench", "train", "--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--intermediate", "128",
            "--vocab", "256", "--seq-len", "32", "--steps", "3", "--warmup", "1", "--matmul-size", "128", "--threads", "1",
            "--memory-steps", "60", "--memory-first", "50", "--compare-torch", "--python", "/nonexistent/python3");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("training tokens/s: ").And.Contain("all non-padding tokens processed"));
        Assert.That(result.StdOut, Does.Contain("FLOPs per token (full fine-tuning) = L·h²·(12 + 12·kv/heads + 18·I/h + 6·s/h) + 6·V·h·ℓ"));
        Assert.That(result.StdOut, Does.Contain("ℓ=16/32=0.500"));
        Assert.That(result.StdOut, Does.Contain("LoRA FLOPs per token = full × (2 + adapter/frozen)/3"));
        Assert.That(result.StdOut, Does.Contain("matmul FLOP/s (bf16, 128x128x128"));
        Assert.That(result.StdOut, Does.Contain("model FLOP/s: "));
        Assert.That(result.StdOut, Does.Contain("MFU-like ratio (model FLOP/s / bf16 matmul FLOP/s): "));
        Assert.That(result.StdOut, Does.Match(@"peak resident memory of this process \(glibc's default heap.*\): measured [\d.]+ MiB, estimate [\d.]+ MiB, estimate/measured [\d.]+"));
        Assert.That(result.StdOut, Does.Match(@"peak memory in a fresh process \(bench memory --training --case 64,2,4,2,128,256,bf16,1,32,16,16,none,0\): estimate [\d.]+ MiB, measured [\d.]+ MiB, estimate/measured [\d.]+"));
        Assert.That(result.StdOut, Does.Contain("full recomputation, packing (6 examples per step), LM-head chunks of 8"));
        Assert.That(result.StdOut, Does.Match(@"resident memory at step 50: [\d.]+ MiB; at step 60: [\d.]+ MiB; ratio [\d.]+"));
        Assert.That(result.StdOut, Does.Contain("pytorch comparison: skipped (/nonexistent/python3 does not exist)"));
    }

    [Test]
    public void MemoryStepsZeroSkipsTheLeakCheck()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null,
            "bench", "train", "--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "64",
            "--vocab", "64", "--seq-len", "16", "--steps", "1", "--warmup", "0", "--matmul-size", "64", "--threads", "1",
            "--targets", "attn", "--dtype", "f32", "--memory-steps", "0", "--activation-checkpointing", "selective", "--loss-chunk-tokens", "4");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("leak check: skipped (--memory-steps 0)"));
        Assert.That(result.StdOut, Does.Contain("targets q_proj,k_proj,v_proj,o_proj"));
        Assert.That(result.StdOut, Does.Contain("MFU-like ratio (model FLOP/s / f32 matmul FLOP/s)"));
        Assert.That(result.StdOut, Does.Contain("recomputation selective, LM-head chunk 4"));
        Assert.That(result.StdOut, Does.Contain("peak memory in a fresh process: skipped"), "attention-only targets are not a bench memory case");
    }

    [Test]
    public void BenchTrainAndPlanPrintTheSameActivationEstimate()
    {
        using var temp = new TempDirectory("same-estimate");
        var configJson = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["hidden_size"] = 64, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 2, ["intermediate_size"] = 128, ["vocab_size"] = 256, ["max_position_embeddings"] = 2048,
        };
        File.WriteAllText(temp.Combine("config.json"), configJson.ToJsonString());
        var config = ModelConfig.Load(temp.Path);
        var inputs = new SizingInputs
        {
            SeqLength = 32, MicroBatchSize = 1, LoraR = 16, TargetModules = new PipelineConfig().Lora.TargetModules,
            AdapterDropout = true, Dtype = DType.Bf16, LossTokens = 16,
        };
        var activations = TrainingEstimate.Compute(config, inputs).ActivationBytes;

        var bench = LoraProcess.Run(RepositoryPaths.Root, null,
            "bench", "train", "--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--intermediate", "128",
            "--vocab", "256", "--seq-len", "32", "--steps", "1", "--warmup", "0", "--matmul-size", "64", "--threads", "1", "--memory-steps", "0");
        Assert.That(bench.ExitCode, Is.EqualTo(0), bench.Output);
        Assert.That(bench.StdOut, Does.Contain(string.Create(CultureInfo.InvariantCulture, $"activations {activations / 1048576.0:0.0} MiB")));

        var plan = LoraProcess.Run(RepositoryPaths.Root, null, "plan", "--model", temp.Path, "--seq-len", "32", "--micro-batch-size", "1",
            "--lora-r", "16", "--dtype", "bf16", "--answer-tokens", "16");
        Assert.That(plan.ExitCode, Is.EqualTo(0), plan.Output);
        Assert.That(plan.StdOut, Does.Contain($"activations {MemoryText.Bytes(activations)}"));
    }
}
