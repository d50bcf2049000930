using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Sizing;

/// <summary>
/// The whitepaper's sizing answers for well-known models, from configs the project wrote from their published
/// dimensions (Fixtures/configs): one 80 GB GPU for LoRA on 7–8B models, four for Llama 3 70B, at bf16, micro
/// batch 1, sequence 4096, with recomputation.
/// </summary>
public sealed class SizingTests
{
    private static string Fixture(string name) => RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "configs", name + ".json");

    private static SizingInputs Whitepaper => new()
    {
        SeqLength = 4096,
        MicroBatchSize = 1,
        LoraR = 32,
        TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        Dtype = DType.Bf16,
        Recompute = true,
    };

    private static DeviceAnswer Device(HardwarePlan plan, string name) => plan.Devices.Single(d => d.Device == name);

    [TestCase("llama2-7b", 6.74e9)]
    [TestCase("llama3-8b", 8.03e9)]
    [TestCase("mistral-7b", 7.24e9)]
    [TestCase("llama3-70b", 70.6e9)]
    public void ParameterCountsMatchThePublishedOnesWithinOnePercent(string model, double published)
    {
        var count = PlanModelConfig.Load(Fixture(model)).ParameterCount();
        Assert.That(count / published, Is.EqualTo(1.0).Within(0.01), $"{model}: {count:N0}");
    }

    [TestCase("llama2-7b")]
    [TestCase("llama3-8b")]
    [TestCase("mistral-7b")]
    public void SevenToEightBillionModelsTrainOnOne80GbGpu(string model)
    {
        var plan = HardwarePlan.Compute(model, PlanModelConfig.Load(Fixture(model)), Whitepaper);
        foreach (var gpu in new[] { "A100 80GB", "H100 80GB" })
        {
            Assert.That(Device(plan, gpu).TrainFitsOne, Is.True, gpu);
            Assert.That(Device(plan, gpu).TrainGpusRecompute, Is.EqualTo(1), gpu);
        }
        // Not a vacuous fit: the frozen bf16 weights alone are more than 12 GiB, and a 24 GB card is tight or short.
        Assert.That(plan.Training.FrozenWeightBytes, Is.GreaterThan(12L << 30));
        Assert.That(Device(plan, "A100 40GB").TrainBytesOne, Is.GreaterThan(15L << 30));
    }

    [Test]
    public void Llama3SeventyBillionNeedsFour80GbGpusWithTensorParallelism()
    {
        var plan = HardwarePlan.Compute("llama3-70b", PlanModelConfig.Load(Fixture("llama3-70b")), Whitepaper);
        foreach (var gpu in new[] { "A100 80GB", "H100 80GB" })
        {
            Assert.That(Device(plan, gpu).TrainFitsOne, Is.False, gpu);
            Assert.That(Device(plan, gpu).TrainGpusRecompute, Is.EqualTo(4), gpu);
        }
    }

    [Test]
    public void MixtralIsRefusedWithTheReasonAndItsWeightSize()
    {
        var e = Assert.Throws<CheckpointException>(() => PlanModelConfig.Load(Fixture("mixtral-8x7b")))!;
        Assert.That(e.Message, Does.Contain("mixture-of-experts").And.Contain("46.7 B parameters"));
    }

    [Test]
    public void AdapterParametersAreRankTimesInPlusOutPerAdaptedProjection()
    {
        var config = PlanModelConfig.Load(Fixture("llama3-8b"));
        // q: 4096→4096, v: 4096→1024; r = 8; 32 layers.
        Assert.That(AdapterShapes.ParameterCount(config, ["q_proj", "v_proj"], 8), Is.EqualTo(32L * 8 * (8192 + 5120)));
        Assert.That(AdapterShapes.ParameterCount(config, [@".*\.mlp\..*"], 1), Is.EqualTo(32L * 3 * (4096 + 14336)));
        Assert.Throws<ArgumentException>(() => AdapterShapes.ParameterCount(config, ["qkv_proj"], 8));
        var estimate = TrainingEstimate.Compute(config, Whitepaper with { LoraR = 8, TargetModules = ["q_proj", "v_proj"] });
        Assert.That(estimate.AdapterWeightBytes + estimate.AdapterGradientBytes + estimate.OptimizerStateBytes,
            Is.EqualTo(16 * estimate.AdapterParameters), "f32 weights + gradients + two AdamW moments");
    }

    [Test]
    public void RecomputationKeepsOnlyLayerInputsAndChunkedLossDropsPromptLogits()
    {
        var config = PlanModelConfig.Load(Fixture("llama3-8b"));
        var without = ActivationModel.TrainingBytes(config, Whitepaper with { Recompute = false });
        var with = ActivationModel.TrainingBytes(config, Whitepaper);
        var chunked = ActivationModel.TrainingBytes(config, Whitepaper with { LossTokens = 128 });
        Assert.That(with, Is.LessThan(without / 4));
        var logitsSaved = (4096L - 128) * ActivationModel.LogitBytesPerLossToken(config, Whitepaper);
        Assert.That(with - chunked, Is.EqualTo(logitsSaved));
    }

    [Test]
    public void KvCacheIsTwoTimesLayersKvHeadsHeadDimBytesPerToken()
    {
        var config = PlanModelConfig.Load(Fixture("llama3-8b"));
        Assert.That(InferenceEstimate.KvBytes(config, 2), Is.EqualTo(2L * 32 * 8 * 128 * 2)); // 128 KiB
        var serving = InferenceEstimate.Compute(config, 2, 8192);
        Assert.That(serving.KvBytesPerSequence, Is.EqualTo(1L << 30));
        var sequences = serving.MaxSequences(80L << 30, 1);
        Assert.That(serving.PerGpuBytes(1, sequences), Is.LessThanOrEqualTo(80L << 30));
        Assert.That(serving.PerGpuBytes(1, sequences + 1), Is.GreaterThan(80L << 30));
    }

    [Test]
    public void PlanCommandPrintsTheTableAndWritesJson()
    {
        using var temp = new TempDirectory();
        var json = Path.Combine(temp.Path, "plan.json");
        var result = LoraProcess.Run(temp.Path, null, "plan", "--model", Fixture("llama3-70b"), "--seq-len", "4096",
            "--micro-batch-size", "1", "--lora-r", "32", "--recompute", "--json", json);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("H100 80GB").And.Contain("70.55 B"));
        Assert.That(File.ReadAllText(json), Does.Contain("\"train_gpus_recompute\": 4"));
        var refused = LoraProcess.Run(temp.Path, null, "plan", "--model", Fixture("mixtral-8x7b"));
        Assert.That(refused.ExitCode, Is.Not.EqualTo(0));
        Assert.That(refused.StdErr, Does.Contain("mixture-of-experts"));
    }
}
