using LoraPipeline.Configuration;
using Spectre.Console;

namespace LoraPipeline.Pipeline;

/// <summary>Everything a running stage needs: configuration, where to write, where its inputs are.</summary>
internal sealed class StageContext
{
    /// <summary>The resolved configuration.</summary>
    public required PipelineConfig Config { get; init; }

    /// <summary>Folder that relative paths in the config are resolved against.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The run's artifacts folder (<c>artifacts/&lt;config name&gt;</c>).</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>Temporary folder for this run's outputs; moved into place when the stage succeeds.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Scratch folder that survives a crash for the same fingerprint (checkpoints for resume);
    /// removed once the stage has committed.</summary>
    public required string ScratchDirectory { get; init; }

    /// <summary>This run's fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Console for progress and messages.</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>The committed output folder of an upstream stage.</summary>
    public string UpstreamDirectory(string stage) => Path.Combine(ArtifactsDirectory, stage);

    /// <summary>The context of a stage of <paramref name="run"/> writing into <paramref name="output"/>, with its scratch folder
    /// and fingerprint (the one place a stage's context is built, for local runs and Slurm jobs alike).</summary>
    public static StageContext For(PipelineRun run, string output, string scratch, string fingerprint) => new()
    {
        Config = run.Config,
        BaseDirectory = run.BaseDirectory,
        ArtifactsDirectory = run.ArtifactsDirectory,
        OutputDirectory = output,
        ScratchDirectory = scratch,
        Fingerprint = fingerprint,
        Console = run.Console,
    };

    /// <summary>Resolves a config path against <see cref="BaseDirectory"/>.</summary>
    public string Resolve(string path) => Path.GetFullPath(Path.Combine(BaseDirectory, path));
}
