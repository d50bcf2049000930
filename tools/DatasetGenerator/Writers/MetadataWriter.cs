using System.Text;
using System.Text.Json;
using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Writers;

/// <summary>Renders dataset.json: name, description, refusal answer and counts.</summary>
public static class MetadataWriter
{
    /// <summary>Project-relative path of the generator, recorded so readers know where the files come from.</summary>
    public const string GeneratorPath = "tools/DatasetGenerator";

    /// <summary>The dataset.json text, indented, ending with <c>\n</c>.</summary>
    public static string Render(Dataset dataset)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = QaJsonlWriter.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("name", dataset.Name);
            writer.WriteString("description", dataset.Description);
            writer.WriteString("refusal_answer", dataset.RefusalAnswer);
            writer.WriteNumber("documents", dataset.Documents.Count);
            writer.WriteNumber("questions", dataset.Pairs.Count);
            writer.WriteString("generator", GeneratorPath);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
