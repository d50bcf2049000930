using System.Text.Json;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Tests.Data;

/// <summary>The Prepare stage on the shipped dataset and the built-in tiny model, through the real CLI.</summary>
[Category("Integration")]
public class PrepareStageTests
{
    private static TempDirectory _temp = null!;
    private static string _artifacts = null!;

    private static string[] Args(string stage, string artifacts, params string[] extra) =>
        [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. extra];

    [OneTimeSetUp]
    public static void RunPrepare()
    {
        _temp = new TempDirectory("prepare");
        _artifacts = _temp.Combine("a");
        foreach (var stage in new[] { "download", "convert", "prepare" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, _artifacts));
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        }
    }

    [OneTimeTearDown]
    public static void Cleanup() => _temp.Dispose();

    private static string Prepared(string file) => Path.Combine(_artifacts, "prepare", file);

    [Test]
    public void StatsReportNoBrokenInvariantsAndNoLeakage()
    {
        using var stats = JsonDocument.Parse(File.ReadAllText(Prepared(ArtifactNames.PrepareStats)));
        var root = stats.RootElement;
        Assert.That(root.GetProperty("answer_lost_tokens").GetInt32(), Is.Zero);
        Assert.That(root.GetProperty("missing_final_eos_label").GetInt32(), Is.Zero);
        Assert.That(root.GetProperty("doubled_bos").GetInt32(), Is.Zero);
        Assert.That(root.GetProperty("leaked_test_questions").GetArrayLength(), Is.Zero);
        var splits = root.GetProperty("splits");
        Assert.That(splits.GetProperty("train").GetProperty("examples").GetInt32(), Is.GreaterThan(400));
        Assert.That(splits.GetProperty("test").GetProperty("examples").GetInt32(), Is.GreaterThan(40));
        Assert.That(File.ReadAllText(Prepared(ArtifactNames.PrepareStatsMarkdown)), Does.Contain("| train |"));
    }

    [Test]
    public void LabelsCoverExactlyTheAnswerTokensPlusEos()
    {
        var tokenizer = ModelTokenizer.Load(Path.Combine(_artifacts, "convert"));
        var format = PromptFormatRecord.Read(Path.Combine(_artifacts, "prepare"));
        foreach (var split in Enum.GetValues<Split>())
        {
            var records = SplitFiles.ReadLines<SplitRecord>(Prepared(SplitFiles.RecordsFile(split))).ToDictionary(r => r.Id);
            foreach (var tokens in SplitFiles.ReadLines<TokenRecord>(Prepared(SplitFiles.TokensFile(split))))
            {
                var record = records[tokens.Id];
                Assert.That(tokens.InputIds[^1], Is.EqualTo(format.EndId), tokens.Id);
                var answer = tokenizer.Decode(tokens.InputIds.Skip(tokens.LabelStart).SkipLast(1), skipSpecialTokens: false);
                Assert.That(answer, Is.EqualTo(" " + record.Output), tokens.Id);
                var prompt = tokenizer.Decode(tokens.InputIds.Take(tokens.LabelStart), skipSpecialTokens: false);
                Assert.That(prompt, Is.EqualTo(record.Input), tokens.Id);
            }
        }
    }

    [Test]
    public void RefusalShareAndAnswerabilityAreAsConfigured()
    {
        var train = SplitFiles.ReadLines<SplitRecord>(Prepared(ArtifactNames.TrainSplit));
        using var stats = JsonDocument.Parse(File.ReadAllText(Prepared(ArtifactNames.PrepareStats)));
        var trainStats = stats.RootElement.GetProperty("splits").GetProperty("train");
        var removed = trainStats.GetProperty("oracle_removed").GetInt32();
        var withSources = removed + trainStats.GetProperty("answerable").GetInt32();
        Assert.That(removed / (double)withSources, Is.EqualTo(0.1).Within(0.04), "data.refusal_share: 0.1");
        var refusal = PromptFormatRecord.Read(Path.Combine(_artifacts, "prepare")).RefusalAnswer;
        Assert.That(train.Where(r => !r.Answerable).Select(r => r.Output), Is.All.EqualTo(refusal));
        Assert.That(train.Where(r => r.Answerable).Select(r => r.Output), Has.None.EqualTo(refusal));
    }

    [Test]
    public void SplitsAreIdenticalOnARerunInAnotherFolder()
    {
        var other = _temp.Combine("b");
        foreach (var stage in new[] { "download", "convert", "prepare" })
            Assert.That(LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, other)).ExitCode, Is.EqualTo(0));
        foreach (var file in new[] { ArtifactNames.TrainSplit, ArtifactNames.ValidSplit, ArtifactNames.TestSplit, ArtifactNames.TrainTokens, ArtifactNames.TestTokens })
            Assert.That(File.ReadAllBytes(Path.Combine(other, "prepare", file)), Is.EqualTo(File.ReadAllBytes(Prepared(file))), file);
    }

    [Test]
    public void MalformedInputFailsTheStageNamingFileAndLine()
    {
        var dataset = _temp.Combine("bad-dataset");
        Directory.CreateDirectory(Path.Combine(dataset, "documents"));
        File.WriteAllText(Path.Combine(dataset, "documents", "a.md"), "Alpha text.");
        File.WriteAllText(Path.Combine(dataset, "qa.jsonl"), "{\"id\":\"1\",\"question\":\"Q?\",\"answer\":\"Alpha\",\"source\":[\"a\"]}\n{\"id\":\"2\",\"question\":\"Q?\",\"source\":[\"a\"]}\n");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("prepare", _artifacts, "--set", $"data.dataset={dataset}"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdErr, Does.Contain(Path.Combine(dataset, "qa.jsonl") + ":2: missing field 'answer'"));
        // The failed run left the committed outputs of the good run in place.
        Assert.That(File.Exists(Prepared(ArtifactNames.StageManifest)));
    }

    [Test]
    public void AMaxSeqLengthThatDropsEveryExampleFailsWithCounts()
    {
        var artifacts = _temp.Combine("short");
        foreach (var stage in new[] { "download", "convert" })
            Assert.That(LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, artifacts)).ExitCode, Is.EqualTo(0));
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("prepare", artifacts, "--set", "data.max_seq_length=40"));
        Assert.That(result.ExitCode, Is.EqualTo(1), result.Output);
        Assert.That(result.StdErr, Does.Contain("no training examples").And.Contain("dropped as longer than data.max_seq_length (40 tokens)"));
        Assert.That(File.Exists(Path.Combine(artifacts, "prepare", "stage.json")), Is.False, "nothing committed");
    }
}
