using System.Text.Json;
using LoraPipeline.Configuration;

namespace LoraPipeline.Data;

/// <summary>A knowledge-base document.</summary>
/// <param name="Id">File name without extension.</param>
/// <param name="Text">Markdown text.</param>
internal sealed record Document(string Id, string Text);

/// <summary>A question with its reference answer.</summary>
/// <param name="Id">Stable unique id.</param>
/// <param name="Question">The question.</param>
/// <param name="Answer">The reference answer (the refusal sentence when unanswerable).</param>
/// <param name="Sources">Ids of the documents that hold the answer (empty when unanswerable).</param>
/// <param name="Group">Paraphrases of one question share a group; splits never separate a group.</param>
/// <param name="Context">Ready-made context passages (examples input), or null to retrieve from documents.</param>
internal sealed record QaPair(string Id, string Question, string Answer, IReadOnlyList<string> Sources, string Group, IReadOnlyList<string>? Context = null);

/// <summary>
/// Input of the Prepare stage: either a dataset folder (<c>documents/*.md</c>, <c>qa.jsonl</c>,
/// <c>dataset.json</c>) or a JSONL of ready-made examples (<c>question</c>, <c>context</c> list, <c>answer</c>).
/// Malformed lines fail with file and line, or are skipped and counted with <c>data.on_error: skip</c>.
/// </summary>
internal sealed class RagDataset
{
    /// <summary>Refusal answer used when none is configured by the dataset.</summary>
    public const string DefaultRefusal = "The provided documents do not contain the answer to this question.";

    /// <summary>Documents by id (empty for ready-made examples).</summary>
    public required IReadOnlyDictionary<string, Document> Documents { get; init; }

    /// <summary>Questions in file order.</summary>
    public required IReadOnlyList<QaPair> Pairs { get; init; }

    /// <summary>The fixed refusal answer.</summary>
    public required string RefusalAnswer { get; init; }

    /// <summary>Lines skipped under <c>on_error: skip</c>, each with its location and reason.</summary>
    public required IReadOnlyList<string> Skipped { get; init; }

    /// <summary>Files read (for the stage fingerprint).</summary>
    public static IEnumerable<string> InputFiles(DataOptions options, string baseDirectory)
    {
        if (options.Examples is { } examples)
            return [Path.GetFullPath(Path.Combine(baseDirectory, examples))];
        var folder = Path.GetFullPath(Path.Combine(baseDirectory, options.Dataset));
        var files = new List<string>();
        var documents = Path.Combine(folder, "documents");
        if (Directory.Exists(documents)) files.AddRange(Directory.EnumerateFiles(documents, "*.md").Order(StringComparer.Ordinal));
        foreach (var name in new[] { "qa.jsonl", "dataset.json" })
            if (File.Exists(Path.Combine(folder, name))) files.Add(Path.Combine(folder, name));
        return files;
    }

    /// <summary>Loads the configured input.</summary>
    public static RagDataset Load(DataOptions options, string baseDirectory)
    {
        var skip = options.OnError == OnError.Skip;
        return options.Examples is { } examples
            ? LoadExamples(Path.GetFullPath(Path.Combine(baseDirectory, examples)), skip)
            : LoadFolder(Path.GetFullPath(Path.Combine(baseDirectory, options.Dataset)), skip);
    }

    private static RagDataset LoadFolder(string folder, bool skip)
    {
        var documentsFolder = Path.Combine(folder, "documents");
        if (!Directory.Exists(documentsFolder))
            throw new DataException(folder, 0, "no documents/ folder; data.dataset must name a folder with documents/*.md and qa.jsonl (or set data.examples)");
        var documents = Directory.EnumerateFiles(documentsFolder, "*.md").Order(StringComparer.Ordinal)
            .Select(f => new Document(Path.GetFileNameWithoutExtension(f), ReadDocument(f)))
            .ToDictionary(d => d.Id);
        var refusal = DefaultRefusal;
        var metadata = Path.Combine(folder, "dataset.json");
        if (File.Exists(metadata))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllText(metadata));
                if (json.RootElement.TryGetProperty("refusal_answer", out var r) && r.GetString() is { Length: > 0 } text) refusal = text;
            }
            catch (JsonException e)
            {
                throw new DataException(metadata, (int)(e.LineNumber ?? 0) + 1, $"invalid JSON: {e.Message}");
            }
        }
        var skipped = new List<string>();
        var pairs = new List<QaPair>();
        var ids = new HashSet<string>();
        var qa = Path.Combine(folder, "qa.jsonl");
        if (!File.Exists(qa)) throw new DataException(qa, 0, "file not found; the dataset needs its questions in qa.jsonl");
        foreach (var (line, number, problem) in ReadLines(qa))
        {
            try
            {
                if (problem is not null) throw new DataException(qa, number, problem);
                var row = ParseObject(qa, number, line);
                var id = RequiredString(qa, number, row, "id");
                var answer = RequiredString(qa, number, row, "answer");
                var sources = StringList(qa, number, row, "source");
                foreach (var source in sources)
                    if (!documents.ContainsKey(source))
                        throw new DataException(qa, number, $"unknown source id '{source}' (no documents/{source}.md)");
                if (!ids.Add(id)) throw new DataException(qa, number, $"duplicate id '{id}'");
                var group = OptionalString(row, "group") ?? id;
                var question = RequiredString(qa, number, row, "question");
                if (sources.Count > 0) CheckAnswerIsInSources(qa, number, answer, sources, documents);
                pairs.Add(new QaPair(id, question, answer, sources, group));
            }
            catch (DataException e) when (skip)
            {
                skipped.Add(e.Message);
            }
        }
        if (pairs.Count == 0)
            throw new DataException(qa, 0, skipped.Count > 0
                ? $"no usable questions: all {skipped.Count} lines were skipped (first: {skipped[0]})"
                : "no questions; each line must be a JSON object with id, question, answer and source");
        return new RagDataset { Documents = documents, Pairs = pairs, RefusalAnswer = refusal, Skipped = skipped };
    }

    private static RagDataset LoadExamples(string file, bool skip)
    {
        if (!File.Exists(file)) throw new DataException(file, 0, "file not found (data.examples)");
        var skipped = new List<string>();
        var pairs = new List<QaPair>();
        var ids = new HashSet<string>();
        foreach (var (line, number, problem) in ReadLines(file))
        {
            try
            {
                if (problem is not null) throw new DataException(file, number, problem);
                var row = ParseObject(file, number, line);
                var id = OptionalString(row, "id") ?? $"line-{number}";
                if (!ids.Add(id)) throw new DataException(file, number, $"duplicate id '{id}'");
                var context = StringList(file, number, row, "context");
                if (context.Count == 0) throw new DataException(file, number, "field 'context' must list at least one passage");
                pairs.Add(new QaPair(id, RequiredString(file, number, row, "question"), RequiredString(file, number, row, "answer"), [],
                    OptionalString(row, "group") ?? id, context));
            }
            catch (DataException e) when (skip)
            {
                skipped.Add(e.Message);
            }
        }
        if (pairs.Count == 0)
            throw new DataException(file, 0, skipped.Count > 0
                ? $"no usable examples: all {skipped.Count} lines were skipped (first: {skipped[0]})"
                : "no examples; each line must be a JSON object with question, context and answer");
        return new RagDataset { Documents = new Dictionary<string, Document>(), Pairs = pairs, RefusalAnswer = DefaultRefusal, Skipped = skipped };
    }

    /// <summary>Longest run of non-space characters accepted in any text: BPE takes quadratic time in a word's length.</summary>
    public const int MaxWordLength = 1000;

    // A pair labelled answerable must be answerable from its sources: every answer token appears in one of them.
    private static void CheckAnswerIsInSources(string file, int number, string answer, IReadOnlyList<string> sources,
        IReadOnlyDictionary<string, Document> documents)
    {
        var known = sources.SelectMany(s => SquadText.Tokens(documents[s].Text)).ToHashSet(StringComparer.Ordinal);
        var missing = SquadText.Tokens(answer).Where(t => !known.Contains(t)).Distinct().ToList();
        if (missing.Count > 0)
            throw new DataException(file, number,
                $"the answer's words {string.Join(", ", missing.Take(5).Select(m => $"'{m}'"))} appear in none of its sources " +
                $"({string.Join(", ", sources)}); fix the answer or source, or mark the question unanswerable with \"source\": []");
    }

    private static string ReadDocument(string file)
    {
        var lines = ReadLines(file, keepBlank: true).ToList();
        if (lines.FirstOrDefault(l => l.Problem is not null) is { Problem: { } problem } bad) throw new DataException(file, bad.Number, problem);
        return string.Join('\n', lines.Select(l => l.Line));
    }

    // Strict UTF-8, line by line: invalid bytes name their line instead of silently becoming U+FFFD. A line with a
    // problem comes back with it, so that on_error decides (skip the line, or fail naming it).
    private static IEnumerable<(string Line, int Number, string? Problem)> ReadLines(string file, bool keepBlank = false)
    {
        var bytes = File.ReadAllBytes(file);
        var strict = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var number = 0;
        while (start <= bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            number++;
            string line;
            string? problem = null;
            try
            {
                line = strict.GetString(bytes, start, end - start).TrimEnd('\r');
            }
            catch (System.Text.DecoderFallbackException)
            {
                line = "";
                problem = "invalid UTF-8; save the file as UTF-8";
            }
            if (problem is null && LongestWord(line) > MaxWordLength)
                problem = $"a word of {LongestWord(line)} characters (at most {MaxWordLength}); split it or remove it";
            if (problem is not null || keepBlank || !string.IsNullOrWhiteSpace(line)) yield return (line, number, problem);
            start = end + 1;
            if (end == bytes.Length) break;
        }
    }

    private static int LongestWord(string line)
    {
        int longest = 0, run = 0;
        foreach (var c in line)
        {
            run = char.IsWhiteSpace(c) ? 0 : run + 1;
            if (run > longest) longest = run;
        }
        return longest;
    }

    private static JsonElement ParseObject(string file, int number, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new DataException(file, number, "expected a JSON object");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new DataException(file, number, $"bad JSON: {e.Message}");
        }
    }

    private static string RequiredString(string file, int number, JsonElement row, string field)
    {
        if (!row.TryGetProperty(field, out var value)) throw new DataException(file, number, $"missing field '{field}'");
        if (value.ValueKind != JsonValueKind.String) throw new DataException(file, number, $"field '{field}' must be a string");
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text)) throw new DataException(file, number, $"field '{field}' is empty");
        return text;
    }

    private static string? OptionalString(JsonElement row, string field) =>
        row.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IReadOnlyList<string> StringList(string file, int number, JsonElement row, string field)
    {
        if (!row.TryGetProperty(field, out var value)) throw new DataException(file, number, $"missing field '{field}'");
        if (value.ValueKind == JsonValueKind.String) return [value.GetString()!];
        if (value.ValueKind != JsonValueKind.Array) throw new DataException(file, number, $"field '{field}' must be a list of strings");
        return value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new DataException(file, number, $"field '{field}' must be a list of strings")).ToList();
    }
}
