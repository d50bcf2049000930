using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Writers;

/// <summary>Renders question/answer pairs as JSON Lines: one compact object per line, fields in a fixed order.</summary>
public static class QaJsonlWriter
{
    /// <summary>Relaxed escaping keeps °, ± and apostrophes readable in the file; JSON stays valid.</summary>
    internal static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The qa.jsonl text for <paramref name="pairs"/>, each line ending with <c>\n</c>.</summary>
    public static string Render(IEnumerable<QaPair> pairs)
    {
        var text = new StringBuilder();
        foreach (var pair in pairs)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Encoder }))
            {
                writer.WriteStartObject();
                writer.WriteString("id", pair.Id);
                writer.WriteString("question", pair.Question);
                writer.WriteString("answer", pair.Answer);
                writer.WriteStartArray("source");
                foreach (var source in pair.Source) writer.WriteStringValue(source);
                writer.WriteEndArray();
                writer.WriteString("group", pair.Group);
                writer.WriteString("kind", KindName(pair.Kind));
                writer.WriteEndObject();
            }
            text.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The <c>kind</c> value written for <paramref name="kind"/>.</summary>
    public static string KindName(QaKind kind) => kind switch
    {
        QaKind.Single => "single",
        QaKind.Multi => "multi",
        QaKind.Unanswerable => "unanswerable",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
