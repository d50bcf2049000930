using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Foundation;

public class ConfigLoaderTests
{
    private static string DefaultConfig => RepositoryPaths.Combine("configs", "default.yaml");

    [Test]
    public void DefaultConfigLoadsWithDocumentedValues()
    {
        var config = ConfigLoader.Load(DefaultConfig);
        Assert.Multiple(() =>
        {
            Assert.That(config.Model.Source, Is.EqualTo("builtin:tiny-llama"));
            Assert.That(config.Lora.TargetModules, Is.EqualTo(new[] { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj" }));
            Assert.That(config.Train.Schedule, Is.EqualTo(LrSchedule.Cosine));
            Assert.That(config.Train.Precision, Is.EqualTo(ComputePrecision.Auto));
            Assert.That(config.Eval.MaxEvalLoss, Is.Null);
        });
    }

    [Test]
    public void TheWholeConfigAsJsonLoadsBackAsTheSameConfigTheKeysPreparesFingerprintSkipsIncluded()
    {
        // What lora config prints and a Slurm job reads back: data.packing and the training mix are hidden from Prepare's
        // fingerprint, and a job that lost them would train another run (its fingerprint check would refuse it).
        var config = ConfigLoader.Load(DefaultConfig, ["data.packing=true", "data.train_files=[prepare, other/train.jsonl]",
            "data.concat_sampling_probabilities=[0.25, 0.75]", "train.lr=2e-4", "peft.scheme=ptuning"]);
        var json = ConfigJson.SerializeConfig(config);
        var back = ConfigLoader.Parse(json, "config.json");
        Assert.That(back.Data.Packing, Is.True);
        Assert.That(back.Data.TrainFiles, Is.EqualTo(new[] { "prepare", "other/train.jsonl" }));
        Assert.That(back.Data.ConcatSamplingProbabilities, Is.EqualTo(new[] { 0.25, 0.75 }));
        Assert.That(ConfigJson.SerializeConfig(back), Is.EqualTo(json));
        var train = new LoraPipeline.Training.TrainStage();
        Assert.That(ConfigJson.Serialize(train.ConfigSection(back)), Is.EqualTo(ConfigJson.Serialize(train.ConfigSection(config))));
    }

    [Test]
    public void DottedOverridesSetEveryKindOfValue()
    {
        var config = ConfigLoader.Load(DefaultConfig,
        [
            "train.lr=2e-4", "lora.r=16", "train.schedule=linear", "lora.use_rslora=true",
            "lora.target_modules=[q_proj, v_proj, down_proj]", "eval.max_eval_loss=1.5", "data.examples=x.jsonl",
            "model.source=hf:org/model@v1",
        ]);
        Assert.Multiple(() =>
        {
            Assert.That(config.Train.Lr, Is.EqualTo(2e-4));
            Assert.That(config.Lora.R, Is.EqualTo(16));
            Assert.That(config.Train.Schedule, Is.EqualTo(LrSchedule.Linear));
            Assert.That(config.Lora.UseRslora, Is.True);
            Assert.That(config.Lora.TargetModules, Is.EqualTo(new[] { "q_proj", "v_proj", "down_proj" }));
            Assert.That(config.Eval.MaxEvalLoss, Is.EqualTo(1.5));
            Assert.That(config.Data.Examples, Is.EqualTo("x.jsonl"));
            Assert.That(config.Model.Source, Is.EqualTo("hf:org/model@v1"));
        });
    }

    [Test]
    public void LaterOverridesWinAndNullClearsAnOptionalThreshold()
    {
        var config = ConfigLoader.Parse("eval:\n  min_exact_match: 20\n", "x.yaml", ["train.lr=0.1", "train.lr=0.2", "eval.min_exact_match=null"]);
        Assert.That(config.Train.Lr, Is.EqualTo(0.2));
        Assert.That(config.Eval.MinExactMatch, Is.Null);
    }

    [Test]
    public void UnknownKeyInFileNamesKeyFileAndLine()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("train:\n  lr: 0.1\n  lrr: 0.2\n", "configs/mine.yaml"))!;
        Assert.That(e.Message, Does.StartWith("configs/mine.yaml:3: train.lrr: unknown key"));
        // The known keys of the section are listed, the near miss among them.
        Assert.That(e.Message, Does.Contain("known keys in 'train':").And.Contain(" lr,").And.Contain("weight_decay"));
    }

    [Test]
    public void UnknownSectionIsAnError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("trian:\n  lr: 0.1\n", "c.yaml"))!;
        Assert.That(e.Message, Does.StartWith("c.yaml:1: trian: unknown key"));
        Assert.That(e.Message, Does.Contain("model, data, lora, train, eval, publish"));
    }

    [TestCase("train:\n  max_steps: many\n", "c.yaml:2: train.max_steps: expected an integer, got 'many'")]
    [TestCase("train:\n  lr: fast\n", "c.yaml:2: train.lr: expected a number, got 'fast'")]
    [TestCase("lora:\n  use_rslora: maybe\n", "c.yaml:2: lora.use_rslora: expected true or false, got 'maybe'")]
    [TestCase("train:\n  schedule: step\n", "c.yaml:2: train.schedule: expected one of cosine, linear, constant, got 'step'")]
    [TestCase("train: 5\n", "c.yaml:1: train: expected a section")]
    [TestCase("lora:\n  r: [1, 2]\n", "c.yaml:2: lora.r: expected an integer, got a list")]
    public void WrongTypesNameKeyAndLine(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "c.yaml"))!;
        Assert.That(e.Message, Does.StartWith(expected));
    }

    [TestCase("lora:\n  dropout: 1.5\n", "c.yaml:2: lora.dropout: must be between 0 and 0.99, got 1.5")]
    [TestCase("train:\n  max_steps: 0\n", "c.yaml:2: train.max_steps: must be between 1 and 10000000, got 0")]
    [TestCase("data:\n  refusal_share: -0.1\n", "c.yaml:2: data.refusal_share: must be between 0 and 1, got -0.1")]
    public void OutOfRangeValuesAreRejected(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "c.yaml"))!;
        Assert.That(e.Message, Is.EqualTo(expected));
    }

    [Test]
    public void CrossKeyRulesAreChecked()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("train:\n  micro_batch_size: 3\n  global_batch_size: 8\n", "c.yaml"))!;
        Assert.That(e.Message, Does.Contain("train.global_batch_size: must be a multiple of train.micro_batch_size (3), got 8"));
        var ratios = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("data:\n  train_ratio: 0.5\n", "c.yaml"))!;
        Assert.That(ratios.Message, Does.Contain("must be 1, got 0.7"));
    }

    [Test]
    public void OverrideErrorsNameTheSetArgument()
    {
        var unknown = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["train.lrr=1"]))!;
        Assert.That(unknown.Message, Does.StartWith("--set train.lrr=1: train.lrr: unknown key"));
        var wrongType = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["train.max_steps=1.5"]))!;
        Assert.That(wrongType.Message, Is.EqualTo("--set train.max_steps=1.5: train.max_steps: expected an integer, got '1.5'"));
        var noEquals = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["train.lr"]))!;
        Assert.That(noEquals.Message, Does.Contain("section.key=value"));
        var valueAsSection = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["train.lr.x=1"]))!;
        Assert.That(valueAsSection.Message, Does.Contain("'train.lr' is a value, not a section"));
    }

    [Test]
    public void InvalidYamlNamesTheLine()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("train:\n  lr: 0.1\n   bad: [\n", "c.yaml"))!;
        Assert.That(e.Message, Does.StartWith("c.yaml:"));
        Assert.That(e.Message, Does.Contain("invalid YAML"));
    }

    [Test]
    public void MissingFileIsAConfigError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/x.yaml"))!;
        Assert.That(e.Message, Does.Contain("/nonexistent/x.yaml").And.Contain("not found"));
    }

    [Test]
    public void CanonicalJsonOfASectionChangesOnlyWithThatSection()
    {
        var a = ConfigLoader.Parse("", "c.yaml");
        var b = ConfigLoader.Parse("", "c.yaml", ["train.lr=0.5"]);
        Assert.That(ConfigJson.Serialize(a.Lora), Is.EqualTo(ConfigJson.Serialize(b.Lora)));
        Assert.That(ConfigJson.Serialize(a.Train), Is.Not.EqualTo(ConfigJson.Serialize(b.Train)));
        Assert.That(ConfigJson.Serialize(a.Train), Does.Contain("\"max_steps\": 300").And.Contain("\"schedule\": \"cosine\""));
    }
}
