using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Lora;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Lora;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Engines;

/// <summary>Importing an engine's adapter: real PEFT folders (safetensors A/B of the fixture model, a config with the fields peft 0.15 writes).</summary>
public class EngineAdapterImportTests
{
    private const string BaseName = "org/tiny-base";
    private const string Revision = "0123456789abcdef0123456789abcdef01234567";

    private static PipelineConfig Config(int r = 4, params string[] targets) => new()
    {
        Lora = new LoraOptions { R = r, Alpha = 8, Dropout = 0.1, TargetModules = targets.Length > 0 ? targets.ToList() : ["v_proj", "q_proj"] },
    };

    /// <summary>An adapter folder as peft's save_pretrained writes it: weights with PEFT keys, target_modules unordered, peft's extra fields.</summary>
    private static string PeftWritten(TempDirectory temp, Action<JsonObject>? change = null, int r = 4)
    {
        using var model = LoraTestSupport.LoadFixture();
        var options = LoraTestSupport.Options("q_proj", "v_proj");
        options.R = r;
        var adapter = LoraInjector.Apply(model, options, seed: 3);
        LoraTestSupport.RandomizeB(adapter, 5);
        var directory = temp.Combine("engine-adapter");
        PeftAdapter.Save(adapter, directory, "/scratch/convert");
        var config = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(), ["auto_mapping"] = null, ["base_model_name_or_path"] = BaseName, ["bias"] = "none",
            ["corda_config"] = null, ["eva_config"] = null, ["exclude_modules"] = null, ["fan_in_fan_out"] = false, ["inference_mode"] = true,
            ["init_lora_weights"] = true, ["layer_replication"] = null, ["layers_pattern"] = null, ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(), ["lora_alpha"] = 8, ["lora_bias"] = false, ["lora_dropout"] = 0.1, ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core", ["modules_to_save"] = null, ["peft_type"] = "LORA", ["r"] = r, ["rank_pattern"] = new JsonObject(),
            ["revision"] = Revision, ["target_modules"] = new JsonArray("v_proj", "q_proj"), ["task_type"] = "CAUSAL_LM",
            ["trainable_token_indices"] = null, ["use_dora"] = false, ["use_rslora"] = false,
        };
        change?.Invoke(config);
        File.WriteAllText(Path.Combine(directory, ArtifactNames.AdapterConfig), config.ToJsonString());
        return directory;
    }

    [Test]
    public void AMatchingAdapterIsCopiedByteForByte()
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp);
        var destination = temp.Combine("adapter");
        EngineAdapterImport.Import(source, destination, Config(), BaseName, Revision);
        foreach (var name in new[] { ArtifactNames.AdapterConfig, ArtifactNames.AdapterWeights })
            Assert.That(File.ReadAllBytes(Path.Combine(destination, name)), Is.EqualTo(File.ReadAllBytes(Path.Combine(source, name))), name);
        using var loaded = PeftAdapter.Load(destination);
        Assert.That(loaded.Modules.Select(m => m.ModulePath).Where(p => p.EndsWith("q_proj", StringComparison.Ordinal)), Is.Not.Empty);
    }

    [TestCase("lora_alpha", "16", "lora_alpha is 16")]
    [TestCase("use_rslora", "true", "use_rslora is True")]
    [TestCase("target_modules", "[\"q_proj\", \"v_proj\", \"k_proj\"]", "target_modules is [k_proj, q_proj, v_proj]")]
    [TestCase("base_model_name_or_path", "\"/scratch/convert\"", "base_model_name_or_path is '/scratch/convert'")]
    [TestCase("revision", "\"main\"", "revision is 'main'")]
    [TestCase("revision", "null", "revision is null")]
    public void ADisagreementWithTheConfigIsNamedAndNothingIsCopied(string key, string json, string message)
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp, c => c[key] = JsonNode.Parse(json));
        var destination = temp.Combine("adapter");
        var error = Assert.Throws<StageException>(() => EngineAdapterImport.Import(source, destination, Config(), BaseName, Revision))!;
        Assert.That(error.Message, Does.Contain(message).And.Contain(ArtifactNames.AdapterConfig));
        Assert.That(Directory.Exists(destination), Is.False);
    }

    [Test]
    public void AnAdapterOfAnotherRankIsRefused()
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp, c => c["r"] = 8, r: 8);
        var error = Assert.Throws<StageException>(() => EngineAdapterImport.Import(source, temp.Combine("adapter"), Config(4), BaseName, Revision))!;
        Assert.That(error.Message, Does.Contain("r is 8, lora.r is 4"));
    }

    [Test]
    public void ARankThatDisagreesWithTheWeightsIsRefused()
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp, c => c["r"] = 8, r: 4);
        var error = Assert.Throws<StageException>(() => EngineAdapterImport.Import(source, temp.Combine("adapter"), Config(8), BaseName, Revision))!;
        Assert.That(error.Message, Does.Contain("expected [r = 8, in]"));
    }

    [Test]
    public void ModulesToSaveIsRefused()
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp, c => c["modules_to_save"] = new JsonArray("lm_head"));
        var error = Assert.Throws<StageException>(() => EngineAdapterImport.Import(source, temp.Combine("adapter"), Config(), BaseName, Revision))!;
        Assert.That(error.Message, Does.Contain("modules_to_save"));
    }

    [Test]
    public void APickledAdapterIsRefused()
    {
        using var temp = new TempDirectory();
        var source = PeftWritten(temp);
        File.Move(Path.Combine(source, ArtifactNames.AdapterWeights), Path.Combine(source, "adapter_model.bin"));
        var error = Assert.Throws<StageException>(() => EngineAdapterImport.Import(source, temp.Combine("adapter"), Config(), BaseName, Revision))!;
        Assert.That(error.Message, Does.Contain("adapter_model.bin is a pickle"));
    }

    [Test]
    public void TheTrainerLogBecomesOurMetrics()
    {
        using var temp = new TempDirectory();
        // The shape of transformers' trainer_state.json log_history: eval entries and training entries share step numbers.
        var path = temp.Combine("log_history.json");
        File.WriteAllText(path, """
            [{"eval_loss": 2.5, "eval_runtime": 1.0, "epoch": 0, "step": 0},
             {"loss": 2.4, "grad_norm": 1.5, "learning_rate": 0.0001, "epoch": 0.1, "step": 1},
             {"loss": 2.1, "grad_norm": 1.25, "learning_rate": 0.0002, "epoch": 0.2, "step": 2},
             {"eval_loss": 2.0, "epoch": 0.2, "step": 2},
             {"train_runtime": 10.0, "train_loss": 2.25, "epoch": 0.2, "step": 2}]
            """);
        var metrics = TrlEngine.ReadLogHistory(path);
        Assert.That(metrics.Select(m => m.Step), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(metrics[0].ValidationLoss, Is.EqualTo(2.5));
        Assert.That(metrics[0].Loss, Is.Null);
        Assert.That(metrics[2].Loss, Is.EqualTo(2.1));
        Assert.That(metrics[2].LearningRate, Is.EqualTo(0.0002));
        Assert.That(metrics[2].GradNorm, Is.EqualTo(1.25));
        Assert.That(metrics[2].ValidationLoss, Is.EqualTo(2.0));
    }
}
