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
