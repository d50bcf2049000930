using LoraPipeline.Configuration;
using Spectre.Console;

namespace LoraPipeline.Pipeline;

/// <summary>One configured run of the pipeline: its config and where its artifacts go.</summary>
/// <param name="Config">The resolved configuration.</param>
/// <param name="ArtifactsDirectory">Root of this run's stage folders.</param>
/// <param name="BaseDirectory">Folder that relative config paths are resolved against.</param>
/// <param name="Console">Console for messages and progress.</param>
internal sealed record PipelineRun(PipelineConfig Config, string ArtifactsDirectory, string BaseDirectory, IAnsiConsole Console)
{
    /// <summary>The default artifacts folder of a config file: <c>artifacts/&lt;config file name without extension&gt;</c>.</summary>
    public static string DefaultArtifactsDirectory(string baseDirectory, string configPath) =>
        Path.Combine(baseDirectory, "artifacts", Path.GetFileNameWithoutExtension(configPath));
}
