using System.CommandLine;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Torch;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>Builds the <c>lora &lt;stage&gt;</c> commands: resolve config, then run one stage incrementally.</summary>
/// <summary>A standalone form of a stage command that works without a pipeline config.</summary>
internal interface IStandaloneForm
{
    void AddTo(Command command);

    /// <summary>Returns the run when the parse result asks for the standalone form, else null.</summary>
    Task<int>? TryRun(ParseResult parse, CancellationToken cancellationToken);
}

internal static class StageCommand
{
    /// <param name="entry">The stage.</param>
    /// <param name="standalone">Optional standalone form of the command (e.g. <c>lora convert --model DIR --out DIR</c>):
    /// its options are added, and when it returns a task for a parse result, that runs instead of the stage.</param>
    public static Command Create(StageCatalog.Entry entry, IStandaloneForm? standalone = null)
    {
        var options = new StageOptions();
        var command = new Command(entry.Name, entry.Summary);
        options.AddTo(command);
        standalone?.AddTo(command);
        // Stages with a standalone form have their own positional arguments; the others take overrides positionally too.
        if (standalone is null) command.Arguments.Add(options.Overrides);
        // The payload of the Train stage's Slurm job: the same train command, run on the compute node for the submitter's fingerprint.
        var payload = new Option<string?>(LoraPipeline.Engines.SlurmScript.PayloadOption)
        {
            Description = "(written by train.launcher: slurm into its batch script) train on this node for the submitting run's fingerprint",
            Hidden = true,
        };
        if (entry.Name == "train") command.Options.Add(payload);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (standalone?.TryRun(parse, cancellationToken) is { } standaloneRun) return await standaloneRun;
            var configPath = parse.GetValue(options.Config)!;
            var overrides = standalone is null ? options.AllOverrides(parse) : parse.GetValue(options.Set) ?? [];
            var artifacts = parse.GetValue(options.Artifacts);
            return await RunAsync(entry, configPath, overrides, artifacts, parse.GetValue(options.Threads), cancellationToken,
                entry.Name == "train" ? parse.GetValue(payload) : null);
        });
        return command;
    }

    private static async Task<int> RunAsync(StageCatalog.Entry entry, string configPath, string[] overrides, string? artifacts,
        int? threads, CancellationToken cancellationToken, string? payloadFingerprint = null)
    {
        var console = AnsiConsole.Console;
        PipelineConfig config;
        try
        {
            config = PipelineConfigs.Load(configPath, overrides);
            NemoTranslationLines.Write(Console.Out, config);
        }
        catch (ConfigException e)
        {
            CliErrors.Write($"config error: {e.Message}");
            return ExitCodes.ConfigError;
        }

        var baseDirectory = Directory.GetCurrentDirectory();
        if (artifacts is not null && File.Exists(artifacts))
        {
            CliErrors.Write($"--artifacts {artifacts}: is a file; name a folder (it is created if missing)");
            return ExitCodes.Failed;
        }
        var artifactsDirectory = Path.GetFullPath(artifacts ?? PipelineRun.DefaultArtifactsDirectory(baseDirectory, configPath));
        try
        {
            if (entry.Name != "select" && LoraPipeline.Selection.SelectedSource.Apply(config, artifactsDirectory) is { } chosen)
                console.WriteLine($"model.source: {LoraPipeline.Selection.SelectedSource.Markers[0]} -> {chosen} (select/choice.json)");
            // Train and the stages after it see the sweep's winner; the Sweep stage itself (and what it reads) the config as written.
            if (entry.Name is "train" or "evaluate" or "publish" or "benchmark" && LoraPipeline.Sweep.SweepChoice.Apply(config, artifactsDirectory) is { } won)
                console.WriteLine($"train.from_sweep: {won} (sweep/best.yaml)");
        }
        catch (ConfigException e)
        {
            CliErrors.Write($"config error: {e.Message}");
            return ExitCodes.ConfigError;
        }
        var run = new PipelineRun(config, artifactsDirectory, baseDirectory, console);
        try
        {
            var stage = StageCatalog.Create(entry.Name);
            if (stage.UsesTorch)
            {
                if (threads is < 0) throw new StageException($"--threads: must be 0 (auto) or more, got {threads}");
                var count = ThreadBudget.Apply(threads ?? config.Train.Threads);
                console.WriteLine($"{entry.Name}: {count} libtorch thread(s)");
            }
            if (payloadFingerprint is not null) await LoraPipeline.Engines.SlurmPayload.RunAsync(run, payloadFingerprint, cancellationToken);
            else await StageRunner.RunAsync(stage, run, cancellationToken);
            return ExitCodes.Ok;
        }
        catch (RemoteJobException e)
        {
            CliErrors.Write($"{entry.Name} failed: {e.Message}");
            return e.End switch
            {
                RemoteJobEnd.ConfigError => ExitCodes.ConfigError,
                RemoteJobEnd.Interrupted => ExitCodes.Interrupted,
                _ => ExitCodes.Failed,
            };
        }
        catch (GateFailedException e)
        {
            CliErrors.Write($"{entry.Name}: {e.Message}");
            return ExitCodes.GateFailed;
        }
        catch (OperationCanceledException)
        {
            CliErrors.Write($"{entry.Name}: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (StageException e)
        {
            CliErrors.Write($"{entry.Name} failed: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
