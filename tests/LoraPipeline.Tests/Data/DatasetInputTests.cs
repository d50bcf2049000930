using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Data;

/// <summary>Reading dataset folders and example files, and the errors for malformed input.</summary>
public class DatasetInputTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory("data-input");
        Directory.CreateDirectory(_temp.Combine("ds", "documents"));
        File.WriteAllText(_temp.Combine("ds", "documents", "policy.md"), "# Policy\nLaptops are replaced every 4 years.\n");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private DataOptions Folder(bool skip = false) => new() { Dataset = "ds", OnError = skip ? OnError.Skip : OnError.Fail };

    private void WriteQa(params string[] lines) => File.WriteAllLines(_temp.Combine("ds", "qa.jsonl"), lines);

    private const string Good = """{"id":"q1","question":"How often are laptops replaced?","answer":"every 4 years","source":["policy"],"group":"g1"}""";

    [Test]
    public void ShippedDatasetLoads()
    {
        var dataset = RagDataset.Load(new DataOptions(), RepositoryPaths.Root);
        Assert.That(dataset.Documents, Has.Count.GreaterThanOrEqualTo(40));
        Assert.That(dataset.Pairs, Has.Count.GreaterThanOrEqualTo(600));
        Assert.That(dataset.RefusalAnswer, Is.EqualTo("The provided documents do not contain the answer to this question."));
        Assert.That(dataset.Skipped, Is.Empty);
    }

    [TestCase("{not json", "qa.jsonl:2: bad JSON")]
    [TestCase("""{"id":"q2","answer":"x","source":["policy"]}""", "qa.jsonl:2: missing field 'question'")]
    [TestCase("""{"id":"q2","question":"Q?","answer":"x","source":["nope"]}""", "qa.jsonl:2: unknown source id 'nope'")]
    [TestCase("""{"id":"q2","question":"Q?","answer":"  ","source":["policy"]}""", "qa.jsonl:2: field 'answer' is empty")]
    [TestCase("""{"id":"q1","question":"Q?","answer":"x","source":["policy"]}""", "qa.jsonl:2: duplicate id 'q1'")]
    [TestCase("""["a","b"]""", "qa.jsonl:2: expected a JSON object")]
    public void MalformedLinesNameFileAndLine(string badLine, string expected)
    {
        WriteQa(Good, badLine);
        var e = Assert.Throws<DataException>(() => RagDataset.Load(Folder(), _temp.Path))!;
        Assert.That(e.Message, Does.StartWith(_temp.Combine("ds", expected.Split(':')[0])).And.Contain(expected));
    }

    [Test]
    public void AnAnswerableQuestionWhoseAnswerIsInNoSourceIsRefused()
    {
        WriteQa(Good, """{"id":"q2","question":"How often are phones replaced?","answer":"every 7 years","source":["policy"]}""");
        var e = Assert.Throws<DataException>(() => RagDataset.Load(Folder(), _temp.Path))!;
        Assert.That(e.Message, Does.Contain("qa.jsonl:2:").And.Contain("'7'").And.Contain("appear in none of its sources (policy)"));
        var skipped = RagDataset.Load(Folder(skip: true), _temp.Path);
        Assert.That(skipped.Pairs.Select(p => p.Id), Is.EqualTo(new[] { "q1" }));
        Assert.That(skipped.Skipped.Single(), Does.Contain("qa.jsonl:2:"));
    }

    [Test]
    public void InvalidUtf8NamesTheLineAndIsNeverReplacedSilently()
    {
        var good = System.Text.Encoding.UTF8.GetBytes(Good + "\n");
        var bad = System.Text.Encoding.UTF8.GetBytes("""{"id":"q2","question":"Caf""").Concat(new byte[] { 0xC3, 0x28 })
            .Concat(System.Text.Encoding.UTF8.GetBytes(""" ?","answer":"every 4 years","source":["policy"]}""" + "\n")).ToArray();
        File.WriteAllBytes(_temp.Combine("ds", "qa.jsonl"), [.. good, .. bad]);
        var e = Assert.Throws<DataException>(() => RagDataset.Load(Folder(), _temp.Path))!;
        Assert.That(e.Message, Does.Contain("qa.jsonl:2: invalid UTF-8"));
        Assert.That(RagDataset.Load(Folder(skip: true), _temp.Path).Skipped.Single(), Does.Contain("qa.jsonl:2: invalid UTF-8"));
        File.WriteAllBytes(_temp.Combine("ds", "documents", "policy.md"), [0x41, 0x0A, 0xFF, 0x0A]);
        Assert.That(Assert.Throws<DataException>(() => RagDataset.Load(Folder(skip: true), _temp.Path))!.Message,
            Does.Contain("policy.md:2: invalid UTF-8"));
    }

    [Test]
    public void AHugeWordIsRefusedBeforeTokenization()
    {
        var word = new string('x', 1 << 20);
        WriteQa(Good, $$"""{"id":"q2","question":"What is {{word}}?","answer":"every 4 years","source":["policy"]}""");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<DataException>(() => RagDataset.Load(Folder(), _temp.Path))!;
        Assert.That(e.Message, Does.Contain("qa.jsonl:2: a word of").And.Contain($"at most {RagDataset.MaxWordLength}"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [TestCase(new string[0], "no questions")]
    [TestCase(new[] { "{oops", "[1]" }, "no usable questions: all 2 lines were skipped")]
    public void NoUsableQuestionsIsAnError(string[] lines, string expected)
    {
        WriteQa(lines);
        var e = Assert.Throws<DataException>(() => RagDataset.Load(Folder(skip: true), _temp.Path))!;
        Assert.That(e.Message, Does.Contain("qa.jsonl").And.Contain(expected));
    }

    [Test]
    public void SkipModeSkipsAndCountsMalformedLines()
    {
        WriteQa(Good, "{oops", """{"id":"q3","question":"Q?","answer":"","source":["policy"]}""");
        var dataset = RagDataset.Load(Folder(skip: true), _temp.Path);
        Assert.That(dataset.Pairs.Select(p => p.Id), Is.EqualTo(new[] { "q1" }));
        Assert.That(dataset.Skipped, Has.Count.EqualTo(2));
        Assert.That(dataset.Skipped[1], Does.Contain("qa.jsonl:3: field 'answer' is empty"));
    }

    [Test]
    public void ReadyMadeExamplesAreAccepted()
    {
        var file = _temp.Combine("examples.jsonl");
        File.WriteAllLines(file,
        [
            """{"id":"e1","question":"Q?","context":["passage one","passage two"],"answer":"one"}""",
            """{"question":"Q2?","context":"single passage","answer":"two"}""",
            """{"question":"Q3?","context":[],"answer":"three"}""",
        ]);
        var e = Assert.Throws<DataException>(() => RagDataset.Load(new DataOptions { Examples = "examples.jsonl" }, _temp.Path))!;
        Assert.That(e.Message, Does.Contain("examples.jsonl:3: field 'context' must list at least one passage"));
        File.WriteAllLines(file, File.ReadAllLines(file).Take(2));
        var dataset = RagDataset.Load(new DataOptions { Examples = "examples.jsonl" }, _temp.Path);
        Assert.That(dataset.Pairs.Select(p => p.Id), Is.EqualTo(new[] { "e1", "line-2" }));
        Assert.That(dataset.Pairs[1].Context, Is.EqualTo(new[] { "single passage" }));
    }

    [Test]
    public void MissingFoldersSayWhatIsExpected()
    {
        var e = Assert.Throws<DataException>(() => RagDataset.Load(new DataOptions { Dataset = "nowhere" }, _temp.Path))!;
        Assert.That(e.Message, Does.Contain("documents/*.md and qa.jsonl"));
    }
}
