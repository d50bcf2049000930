using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.PTuning;

/// <summary>Issue 17 point 3: the <c>peft</c> section, the NeMo names that map onto it, and what Train refuses with P-tuning.</summary>
public class PTuningConfigTests
{
    private static PipelineConfig Load(params string[] sets) => ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"), sets);

    [Test]
    public void LoraStaysTheDefaultAndPTuningIsChosenByPeftScheme()
    {
        Assert.That(Load().Peft.Scheme, Is.EqualTo(PeftScheme.Lora));
        var config = Load("peft.scheme=ptuning", "peft.num_virtual_tokens=8", "peft.encoder_reparameterization_type=LSTM", "peft.encoder_hidden_size=24",
            "peft.encoder_num_layers=3", "peft.encoder_dropout=0.1");
        Assert.That(config.Peft.Scheme, Is.EqualTo(PeftScheme.Ptuning));
        Assert.That(config.Peft.NumVirtualTokens, Is.EqualTo(8));
        Assert.That(config.Peft.EncoderReparameterizationType, Is.EqualTo(PromptEncoderType.Lstm), "PEFT's upper-case spelling is read too");
        Assert.That(config.Peft.EncoderHiddenSize, Is.EqualTo(24));
        Assert.That(config.Peft.EncoderNumLayers, Is.EqualTo(3));
        Assert.That(config.Peft.EncoderDropout, Is.EqualTo(0.1));
        Assert.That(Load("peft.scheme=ptuning").Peft.EncoderHiddenSize, Is.Null, "null: the model's hidden size, as PEFT");
    }

    [TestCase("peft.encoder_num_layers=3", "peft.encoder_num_layers", "three linear layers")]
    [TestCase("peft.encoder_dropout=0.1", "peft.encoder_dropout", "no dropout")]
    [TestCase("peft.num_virtual_tokens=0", "peft.num_virtual_tokens", "")]
    [TestCase("peft.scheme=prefix", "peft.scheme", "lora, ptuning")]
    public void MlpSettingsPeftWouldIgnoreAndBadValuesAreRefusedNamingTheKey(string set, string key, string reason)
    {
        var error = Assert.Throws<ConfigException>(() => Load(set))!;
        Assert.That(error.Message, Does.Contain(key).And.Contain(reason).And.Contain("--set " + set));
    }

    [Test]
    public void TheNemoPeftSchemeAndPTuningKeysMapOntoThePeftSection()
    {
        var config = ConfigLoader.Parse("train:\n  precision: f32\n", "c.yaml",
            ["model.peft.peft_scheme=ptuning", "model.peft.p_tuning.virtual_tokens=10", "model.peft.p_tuning.bottleneck_dim=1024",
             "model.peft.p_tuning.embedding_dim=1024", "model.peft.p_tuning.init_std=0.023"]);
        Assert.That(config.Peft.Scheme, Is.EqualTo(PeftScheme.Ptuning));
        Assert.That(config.Peft.NumVirtualTokens, Is.EqualTo(10));
        Assert.That(config.Peft.EncoderHiddenSize, Is.EqualTo(1024));
        Assert.That(config.NemoTranslations[0], Does.StartWith("model.peft.peft_scheme=ptuning -> peft.scheme=ptuning (P-tuning as PEFT's PromptEncoder"));
        Assert.That(config.NemoTranslations[1], Is.EqualTo("model.peft.p_tuning.virtual_tokens=10 -> peft.num_virtual_tokens=10"));
        Assert.That(config.NemoTranslations[2], Does.StartWith("model.peft.p_tuning.bottleneck_dim=1024 -> peft.encoder_hidden_size=1024"));
        Assert.That(config.NemoTranslations[3], Does.StartWith("model.peft.p_tuning.embedding_dim=1024 -> nothing set: "));
        Assert.That(config.NemoTranslations[4], Does.StartWith("model.peft.p_tuning.init_std=0.023 -> nothing set: "));
        Assert.That(ConfigLoader.Parse("", "c.yaml", ["model.peft.peft_scheme=lora"]).NemoTranslations,
            Is.EqualTo(new[] { "model.peft.peft_scheme=lora -> peft.scheme=lora" }));
        var refused = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["model.peft.peft_scheme=ia3"]))!;
        Assert.That(refused.Message, Does.Contain("model.peft.peft_scheme").And.Contain("use lora or ptuning"));
    }

    [Test]
    public void NemoExportWritesTheSchemeAndOnlyPTuningWritesTheVirtualTokens()
    {
        var launch = new NemoLaunch(1, 1, 1, 1, "/m/base", ["/d/train.jsonl"], [1.0], ["/d/v.jsonl"], ["/d/t.jsonl"], "/r");
        var lora = NemoExport.Overrides(Load(), launch).ToDictionary(p => p.Key, p => p.Value);
        Assert.That(lora["model.peft.peft_scheme"], Is.EqualTo("lora"));
        Assert.That(lora.Keys.Where(k => k.Contains("p_tuning")), Is.Empty);
        var ptuning = NemoExport.Overrides(Load("peft.scheme=ptuning", "peft.num_virtual_tokens=12"), launch).ToDictionary(p => p.Key, p => p.Value);
        Assert.That(ptuning["model.peft.peft_scheme"], Is.EqualTo("ptuning"));
        Assert.That(ptuning["model.peft.p_tuning.virtual_tokens"], Is.EqualTo("12"));
    }

    [Test]
    public void TheTrainFingerprintHoldsTheSchemeAndThePromptEncoderOnlyWhenItIsTrained()
    {
        var stage = new TrainStage();
        string Section(params string[] sets) => ConfigJson.Serialize(stage.ConfigSection(Load(sets)));
        Assert.That(Section("peft.scheme=ptuning"), Is.Not.EqualTo(Section()));
        Assert.That(Section("peft.num_virtual_tokens=7"), Is.EqualTo(Section()), "P-tuning keys never rerun a LoRA run");
        Assert.That(Section("peft.scheme=ptuning", "peft.num_virtual_tokens=7"), Is.Not.EqualTo(Section("peft.scheme=ptuning")));
    }

    [TestCase("data.packing=true", "data.packing")]
    [TestCase("train.engine=trl", "peft.scheme")]
    public void TrainRefusesWhatPTuningCannotDo(string set, string key)
    {
        var error = Assert.Throws<ConfigException>(() => new TrainStage().CheckConfig(Load("peft.scheme=ptuning", set)))!;
        Assert.That(error.Message, Does.Contain(key));
    }
}
