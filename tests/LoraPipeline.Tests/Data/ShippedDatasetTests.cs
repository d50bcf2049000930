using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Data;

/// <summary>
/// Checks the committed datasets/acme files: the properties training and metrics rely on (answers are spans of
/// their sources, groups keep paraphrases together, a fixed refusal answer) and that the generator reproduces
/// them byte for byte. Reads the files only; the generator runs as a child process, never referenced.
/// </summary>
[Category("Integration")]
public sealed class ShippedDatasetTests
{
    private static readonly string DatasetFolder = RepositoryPaths.Combine("datasets", "acme");
    private static readonly string[] Kinds = ["single", "multi", "unanswerable"];

    private sealed record Pair(string Id, string Question, string Answer, string[] Source, string Group, string Kind);

    private static Dictionary<string, string> LoadDocuments() =>
        Directory.EnumerateFiles(Path.Combine(DatasetFolder, "documents"), "*.md")
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path), File.ReadAllText, StringComparer.Ordinal);

    private static List<Pair> LoadPairs() =>
        [.. File.ReadAllLines(Path.Combine(DatasetFolder, "qa.jsonl")).Select((line, index) => ParsePair(line, index + 1))];

    private static Pair ParsePair(string line, int lineNumber)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        string Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new AssertionException($"qa.jsonl line {lineNumber}: '{name}' is missing or not a string");
        if (!root.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Array)
            throw new AssertionException($"qa.jsonl line {lineNumber}: 'source' is missing or not an array");
        return new Pair(Text("id"), Text("question"), Text("answer"), [.. source.EnumerateArray().Select(item => item.GetString()!)], Text("group"), Text("kind"));
    }

    private static JsonElement LoadMetadata()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(DatasetFolder, "dataset.json")));
        return json.RootElement.Clone();
    }

    private static string RefusalAnswer => LoadMetadata().GetProperty("refusal_answer").GetString()!;

    [Test]
    public void Knowledge_base_has_at_least_40_markdown_documents_of_reasonable_length()
    {
        var documents = LoadDocuments();

        Assert.That(documents, Has.Count.GreaterThanOrEqualTo(40));
        foreach (var (id, text) in documents)
        {
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.That(text, Does.StartWith("# "), $"{id} starts with a title");
            Assert.That(words, Is.InRange(120, 600), $"{id} word count");
        }
    }

    [Test]
    public void Every_line_of_qa_jsonl_parses_with_non_empty_fields_and_a_known_kind()
    {
        var lines = File.ReadAllLines(Path.Combine(DatasetFolder, "qa.jsonl"));

        Assert.That(lines, Has.Length.GreaterThanOrEqualTo(600));
        for (var i = 0; i < lines.Length; i++)
        {
            var pair = ParsePair(lines[i], i + 1);
            Assert.That(new[] { pair.Id, pair.Question, pair.Answer, pair.Group }, Has.None.Empty, $"line {i + 1}");
            Assert.That(Kinds, Does.Contain(pair.Kind), $"line {i + 1}");
        }
    }

    [Test]
    public void Question_ids_are_unique()
    {
        var duplicates = LoadPairs().GroupBy(pair => pair.Id).Where(group => group.Count() > 1).Select(group => group.Key);

        Assert.That(duplicates, Is.Empty);
    }

    [Test]
    public void Every_source_names_an_existing_document()
    {
        var documents = LoadDocuments();

        var unknown = LoadPairs().SelectMany(pair => pair.Source.Where(source => !documents.ContainsKey(source)).Select(source => $"{pair.Id} -> {source}"));

        Assert.That(unknown, Is.Empty);
    }

    [Test]
    public void Single_passage_answers_are_short_verbatim_spans_of_their_one_source()
    {
        var documents = LoadDocuments();
        var singles = LoadPairs().Where(pair => pair.Kind == "single").ToList();

        Assert.That(singles, Is.Not.Empty);
        foreach (var pair in singles)
        {
            Assert.That(pair.Source, Has.Length.EqualTo(1), pair.Id);
            Assert.That(documents[pair.Source[0]], Does.Contain(pair.Answer), pair.Id);
            Assert.That(pair.Answer.Split(' ', StringSplitOptions.RemoveEmptyEntries), Has.Length.LessThanOrEqualTo(12), $"{pair.Id} is short");
        }
    }

    [Test]
    public void Multi_passage_answers_join_one_span_of_each_source_in_order()
    {
        var documents = LoadDocuments();
        var multis = LoadPairs().Where(pair => pair.Kind == "multi").ToList();

        Assert.That(multis, Has.Count.GreaterThanOrEqualTo(30));
        foreach (var pair in multis)
        {
            var parts = pair.Answer.Split(" and ");
            Assert.That(pair.Source, Has.Length.EqualTo(2).And.Unique, pair.Id);
            Assert.That(parts, Has.Length.EqualTo(pair.Source.Length), pair.Id);
            for (var i = 0; i < parts.Length; i++)
                Assert.That(documents[pair.Source[i]], Does.Contain(parts[i]), $"{pair.Id} part {i + 1}");
        }
    }

    [Test]
    public void Unanswerable_questions_have_no_source_and_exactly_the_refusal_answer()
    {
        var refusal = RefusalAnswer;
        var unanswerable = LoadPairs().Where(pair => pair.Kind == "unanswerable").ToList();

        Assert.That(refusal, Is.EqualTo("The provided documents do not contain the answer to this question."));
        Assert.That(unanswerable, Is.Not.Empty);
        Assert.That(unanswerable, Has.All.Matches<Pair>(pair => pair.Source.Length == 0 && pair.Answer == refusal));
    }

    [Test]
    public void Only_unanswerable_questions_are_answered_with_the_refusal()
    {
        var refusal = RefusalAnswer;

        var misfiled = LoadPairs().Where(pair => pair.Kind != "unanswerable" && (pair.Answer == refusal || pair.Source.Length == 0)).Select(pair => pair.Id);

        Assert.That(misfiled, Is.Empty);
    }

    [Test]
    public void Share_of_unanswerable_questions_is_between_8_and_20_percent()
    {
        var pairs = LoadPairs();

        var share = (double)pairs.Count(pair => pair.Kind == "unanswerable") / pairs.Count;

        Assert.That(share, Is.InRange(0.08, 0.20));
    }

    [Test]
    public void Paraphrase_groups_share_answer_source_and_kind_and_most_have_two_or_more_members()
    {
        var groups = LoadPairs().GroupBy(pair => pair.Group).ToList();

        foreach (var group in groups)
        {
            Assert.That(group.Select(pair => pair.Answer).Distinct().Count(), Is.EqualTo(1), $"{group.Key}: one answer");
            Assert.That(group.Select(pair => pair.Kind).Distinct().Count(), Is.EqualTo(1), $"{group.Key}: one kind");
            Assert.That(group.Select(pair => string.Join('|', pair.Source)).Distinct().Count(), Is.EqualTo(1), $"{group.Key}: one source list");
            Assert.That(group.Select(pair => pair.Question).Distinct().Count(), Is.EqualTo(group.Count()), $"{group.Key}: paraphrases differ");
        }
        var withParaphrases = groups.Count(group => group.Count() >= 2);
        Assert.That(withParaphrases, Is.GreaterThanOrEqualTo(0.9 * groups.Count));
    }

    [Test]
    public void Metadata_counts_match_the_files()
    {
        var metadata = LoadMetadata();

        Assert.That(metadata.GetProperty("name").GetString(), Is.EqualTo("acme"));
        Assert.That(metadata.GetProperty("documents").GetInt32(), Is.EqualTo(LoadDocuments().Count));
        Assert.That(metadata.GetProperty("questions").GetInt32(), Is.EqualTo(LoadPairs().Count));
        Assert.That(metadata.GetProperty("generator").GetString(), Is.EqualTo("tools/DatasetGenerator"));
        Assert.That(Directory.Exists(RepositoryPaths.Combine("tools", "DatasetGenerator")), Is.True);
    }

    [Test]
    public void Files_are_utf8_without_bom_with_newline_line_endings()
    {
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        foreach (var path in Directory.EnumerateFiles(DatasetFolder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(path);
            Assert.That(bytes.Take(3), Is.Not.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), $"{path} has no BOM");
            Assert.That(bytes, Does.Not.Contain((byte)'\r'), $"{path} uses \\n line endings");
            Assert.That(() => strictUtf8.GetString(bytes), Throws.Nothing, $"{path} is valid UTF-8");
            Assert.That(bytes[^1], Is.EqualTo((byte)'\n'), $"{path} ends with a newline");
        }
    }

    [Test]
    public void Generator_reproduces_the_committed_files_byte_for_byte()
    {
        using var output = new TempDirectory("acme-dataset");

        var run = RunGenerator(output.Path);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var expected = RelativeFiles(DatasetFolder);
        var actual = RelativeFiles(output.Path);
        Assert.That(actual, Is.EqualTo(expected), "the generator writes exactly the committed files");
        foreach (var file in expected)
            Assert.That(File.ReadAllBytes(Path.Combine(output.Path, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(DatasetFolder, file))),
                $"{file} differs from the generator's output; regenerate with dotnet run --project tools/DatasetGenerator -c Release -- --out datasets/acme");
    }

    private static List<string> RelativeFiles(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(folder, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    private static LoraProcess.Result RunGenerator(string outputFolder)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--project", RepositoryPaths.Combine("tools", "DatasetGenerator"), "-c", "Release", "--", "--out", outputFolder })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the dataset generator did not finish in 3 minutes");
        }
        return new LoraProcess.Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
