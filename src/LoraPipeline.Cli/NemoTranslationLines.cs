using LoraPipeline.Configuration;

namespace LoraPipeline.Cli;

/// <summary>Prints how each NeMo-style override was read, one unwrapped line each, so none is taken silently.</summary>
internal static class NemoTranslationLines
{
    public static void Write(TextWriter writer, PipelineConfig config)
    {
        foreach (var line in config.NemoTranslations) writer.WriteLine($"NeMo {line}");
        writer.Flush();
    }
}
