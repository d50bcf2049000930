using System.Text;

namespace LoraPipeline.DatasetGenerator.Writers;

/// <summary>Writes text files whole or not at all: a temporary file beside the target, then a rename over it.</summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8WithoutBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> as UTF-8 without BOM, with <c>\n</c> line endings, replacing any existing file.</summary>
    public static void WriteAllText(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text.ReplaceLineEndings("\n"), Utf8WithoutBom);
        File.Move(temporary, path, overwrite: true);
    }
}
