using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Data;

/// <summary>One line of <c>train.jsonl</c> / <c>valid.jsonl</c> / <c>test.jsonl</c> (NeMo SFT fields plus provenance).</summary>
/// <param name="Id">Question id.</param>
/// <param name="Input">Rendered prompt (without BOS).</param>
/// <param name="Output">Target answer text.</param>
/// <param name="ContextIds">Ids of the context passages in prompt order.</param>
/// <param name="Answerable">True when the context holds the answer.</param>
/// <param name="Question">The bare question.</param>
/// <param name="Context">The passages.</param>
/// <param name="Group">Paraphrase group.</param>
internal sealed record SplitRecord(string Id, string Input, string Output, IReadOnlyList<string> ContextIds, bool Answerable,
    string Question, IReadOnlyList<string> Context, string Group);

/// <summary>One line of <c>*.tokens.jsonl</c>: the exact tokens Train and Evaluate use.</summary>
/// <param name="Id">Question id.</param>
/// <param name="InputIds">Prompt + answer + end token.</param>
/// <param name="LabelStart">First answer position.</param>
internal sealed record TokenRecord(string Id, IReadOnlyList<int> InputIds, int LabelStart);

/// <summary>Reads and writes the split files.</summary>
internal static class SplitFiles
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>File name of a split's records (see <see cref="ArtifactNames"/>).</summary>
    public static string RecordsFile(Split split) => split switch
    {
        Split.Train => ArtifactNames.TrainSplit,
        Split.Valid => ArtifactNames.ValidSplit,
        Split.Test => ArtifactNames.TestSplit,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>File name of a split's tokens (see <see cref="ArtifactNames"/>).</summary>
    public static string TokensFile(Split split) => split switch
    {
        Split.Train => ArtifactNames.TrainTokens,
        Split.Valid => ArtifactNames.ValidTokens,
        Split.Test => ArtifactNames.TestTokens,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>Writes JSON lines atomically.</summary>
    public static void WriteLines<T>(string path, IEnumerable<T> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var row in rows) writer.WriteLine(JsonSerializer.Serialize(row, Json));
        });

    /// <summary>Reads JSON lines.</summary>
    public static List<T> ReadLines<T>(string path)
    {
        if (!File.Exists(path)) throw new StageException($"{path} is missing; run the Prepare stage first");
        var rows = new List<T>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                rows.Add(JsonSerializer.Deserialize<T>(line, Json) ?? throw new DataException(path, number, "empty record"));
            }
            catch (JsonException e)
            {
                throw new DataException(path, number, $"bad JSON: {e.Message}");
            }
        }
        return rows;
    }
}
