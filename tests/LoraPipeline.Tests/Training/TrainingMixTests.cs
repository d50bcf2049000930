using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Training;

/// <summary>Issue 17 point 2: data.train_files mixed by data.concat_sampling_probabilities (NeMo's BlendableDataset rule).</summary>
public class TrainingMixTests
{
    private static PipelineConfig Config(params string[] overrides) => ConfigLoader.Parse("", "c.yaml", overrides);

    private static string TokensFile(TempDirectory temp, string name)
    {
        var path = temp.Combine(name);
        File.WriteAllText(path, "{\"id\":\"a\",\"input_ids\":[1,2,3],\"label_start\":2}\n");
        return path;
    }

    [TestCase("[0.5, 0.6]", "[0.5, 0.6] sums to 1.1; the values must sum to 1 (within 1E-06)")]
    [TestCase("[0.7]", "[0.7] has 1 value(s) for 2 data.train_files; give one probability per file")]
    [TestCase("[0.7, 0.2, 0.1]", "has 3 value(s) for 2 data.train_files")]
    [TestCase("[1.0, 0.0]", "[1, 0]: each value must be greater than 0 (value 2 is 0)")]
    [TestCase("[1.5, -0.5]", "each value must be greater than 0 (value 2 is -0.5)")]
    public void ProbabilitiesThatDoNotFitTheFilesAreOneLineNamingTheKeyAndTheValues(string probabilities, string message)
    {
        using var temp = new TempDirectory("mix");
        var (a, b) = (TokensFile(temp, "a.tokens.jsonl"), TokensFile(temp, "b.tokens.jsonl"));
        var config = Config($"data.train_files=[{a}, {b}]", $"data.concat_sampling_probabilities={probabilities}");
        var e = Assert.Throws<ConfigException>(() => TrainingFiles.Check(config, temp.Path))!;
        Assert.That(e.Message, Does.StartWith($"--set data.concat_sampling_probabilities={probabilities}: data.concat_sampling_probabilities: "));
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void ASumWithinOneMillionthIsAccepted()
    {
        using var temp = new TempDirectory("mix");
        TokensFile(temp, "a.tokens.jsonl");
        TokensFile(temp, "b.tokens.jsonl");
        var config = Config("data.train_files=[a.tokens.jsonl, b.tokens.jsonl]", "data.concat_sampling_probabilities=[0.3333333, 0.6666662]");
        Assert.DoesNotThrow(() => TrainingFiles.Check(config, temp.Path));
        var resolved = TrainingFiles.Resolve(config.Data, temp.Path);
        Assert.That(resolved.Select(f => f.TokensPath), Is.EqualTo(new[] { temp.Combine("a.tokens.jsonl"), temp.Combine("b.tokens.jsonl") }),
            "relative paths are resolved against the base folder");
    }

    [Test]
    public void AMissingFileIsNamedAndProbabilitiesWithoutFilesAreRefused()
    {
        using var temp = new TempDirectory("mix");
        TokensFile(temp, "a.tokens.jsonl");
        var missing = Assert.Throws<ConfigException>(() => TrainingFiles.Check(
            Config("data.train_files=[a.tokens.jsonl, gone/train.jsonl]", "data.concat_sampling_probabilities=[0.5, 0.5]"), temp.Path))!;
        Assert.That(missing.Message, Does.Contain("data.train_files: 'gone/train.jsonl': " + temp.Combine("gone", "train.tokens.jsonl") + " does not exist"));
        var alone = Assert.Throws<ConfigException>(() => TrainingFiles.Check(Config("data.concat_sampling_probabilities=[1.0]"), temp.Path))!;
        Assert.That(alone.Message, Does.Contain("data.concat_sampling_probabilities: [1] given without data.train_files"));
        var twice = Assert.Throws<ConfigException>(() => TrainingFiles.Check(
            Config("data.train_files=[prepare, prepare]", "data.concat_sampling_probabilities=[0.5, 0.5]"), temp.Path))!;
        Assert.That(twice.Message, Does.Contain("names a file twice"));
    }

    [TestCase(0.7, 0.3)]
    [TestCase(0.5, 0.5)]
    [TestCase(0.9, 0.1)]
    public void EveryFilesRealisedShareOverAnEpochIsWithinTwoPercentOfItsTarget(double p0, double p1)
    {
        // The tiny set's train split (about 80 examples) mixed with a second file of 37.
        var sizes = new[] { 83, 37 };
        var order = new BlendedOrder(sizes, [p0, p1], 1234);
        var epoch = sizes.Sum();
        var counts = order.Counts(epoch);
        Assert.That((double)counts[0] / epoch, Is.EqualTo(p0).Within(0.02));
        Assert.That((double)counts[1] / epoch, Is.EqualTo(p1).Within(0.02));
        // Every index lands inside its file's slice of the examples laid end to end.
        for (long k = 0; k < 3 * epoch; k++)
        {
            var (file, index) = (order.FileAt(k), order.At(k));
            Assert.That(index, file == 0 ? Is.InRange(0, 82) : Is.InRange(83, 119));
        }
    }

    [Test]
    public void TheOrderIsAFunctionOfTheSeedAndThePositionOnly()
    {
        var sizes = new[] { 83, 37, 12 };
        double[] shares = [0.5, 0.3, 0.2];
        var first = Enumerable.Range(0, 400).Select(k => new BlendedOrder(sizes, shares, 1234).At(k)).ToList(); // a fresh order per position: a resumed run
        var running = new BlendedOrder(sizes, shares, 1234);
        Assert.That(Enumerable.Range(0, 400).Select(k => running.At(k)), Is.EqualTo(first), "same seed, same order; resuming at any k gives the same example");
        var other = new BlendedOrder(sizes, shares, 7);
        Assert.That(Enumerable.Range(0, 400).Select(k => other.At(k)), Is.Not.EqualTo(first), "the seed matters");
        // Within a file each epoch is a permutation: every example of the small file once per 12 of its draws.
        var small = Enumerable.Range(0, 400).Where(k => running.FileAt(k) == 2).Take(12).Select(k => running.At(k)).ToList();
        Assert.That(small.Order(), Is.EqualTo(Enumerable.Range(120, 12)));
    }

    [Test]
    public void NemoFileNamesAndProbabilitiesMapToOurKeysAndBack()
    {
        var config = Config("model.data.train_ds.file_names=[/data/a.jsonl,/data/b]", "model.data.train_ds.concat_sampling_probabilities=[0.7,0.3]");
        Assert.That(config.Data.TrainFiles, Is.EqualTo(new[] { "/data/a.jsonl", "/data/b" }));
        Assert.That(config.Data.ConcatSamplingProbabilities, Is.EqualTo(new[] { 0.7, 0.3 }));
        Assert.That(config.NemoTranslations, Does.Contain("model.data.train_ds.file_names=[/data/a.jsonl,/data/b] -> data.train_files=['/data/a.jsonl', '/data/b']"));
        Assert.That(config.NemoTranslations, Does.Contain("model.data.train_ds.concat_sampling_probabilities=[0.7,0.3] -> data.concat_sampling_probabilities=[0.7, 0.3]"));

        using var temp = new TempDirectory("mix");
        Directory.CreateDirectory(temp.Combine("b"));
        TokensFile(temp, Path.Combine("b", "train.tokens.jsonl"));
        var parts = NemoExport.TrainParts(Config("data.train_files=[prepare, b]", "data.concat_sampling_probabilities=[0.25, 0.75]"), temp.Path);
        Assert.That(parts.Select(p => (p.File, p.RecordsPath, p.Probability)),
            Is.EqualTo(new[] { ("train.jsonl", (string?)null, 0.25), ("train_2.jsonl", temp.Combine("b", "train.jsonl"), 0.75) }),
            "Prepare's own split is train.jsonl; a prepared folder's records sit beside its tokens");
        var launch = new NemoLaunch(1, 1, 1, 1, "/m/base", [.. parts.Select(p => "/x/" + p.File)], [.. parts.Select(p => p.Probability)], ["/x/v.jsonl"], ["/x/t.jsonl"], "/r");
        var exported = NemoExport.Overrides(Config(), launch).ToDictionary(o => o.Key, o => o.Value);
        Assert.That(exported["model.data.train_ds.file_names"], Is.EqualTo("[/x/train.jsonl,/x/train_2.jsonl]"));
        Assert.That(exported["model.data.train_ds.concat_sampling_probabilities"], Is.EqualTo("[0.25,0.75]"));
        var single = NemoExport.TrainParts(Config(), "/");
        Assert.That(single.Select(p => (p.File, p.Probability)), Is.EqualTo(new[] { ("train.jsonl", 1.0) }), "without data.train_files: Prepare's split alone");
    }

    [Test]
    public void TrainsFingerprintCoversTheFilesContentsAndTheProbabilities()
    {
        using var temp = new TempDirectory("mix");
        var file = TokensFile(temp, "b.tokens.jsonl");
        var stage = new TrainStage();
        var config = Config($"data.train_files=[prepare, {file}]", "data.concat_sampling_probabilities=[0.5, 0.5]");
        Assert.That(stage.InputFiles(new LoraPipeline.Pipeline.StageInputs(config, temp.Path)), Is.EqualTo(new[] { file }),
            "the file is an input: its SHA-256 is hashed into the fingerprint");
        var other = Config($"data.train_files=[prepare, {file}]", "data.concat_sampling_probabilities=[0.6, 0.4]");
        Assert.That(ConfigJson.Serialize(stage.ConfigSection(other)), Is.Not.EqualTo(ConfigJson.Serialize(stage.ConfigSection(config))));
        Assert.That(ConfigJson.Serialize(stage.ConfigSection(config)), Does.Contain("0.5"));
        Assert.That(ConfigJson.Serialize(new LoraPipeline.Data.PrepareStage().ConfigSection(other)),
            Is.EqualTo(ConfigJson.Serialize(new LoraPipeline.Data.PrepareStage().ConfigSection(config))), "mixing is Train's: Prepare does not rerun");
    }
}
