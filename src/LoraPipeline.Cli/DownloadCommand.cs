using System.CommandLine;
using System.CommandLine.Invocation;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>
/// <c>lora download</c>: without SOURCE it is the config-driven Download stage; with SOURCE
/// (<c>hf:org/name[@rev]</c>) it fetches that snapshot into the Hugging Face cache and prints its folder as the last stdout line.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create(StageCatalog.Entry stage)
    {
        var command = StageCommand.Create(stage);
        var stageAction = command.Action as AsynchronousCommandLineAction
            ?? throw new InvalidOperationException("the download stage command has no asynchronous action");
        var source = new Argument<string?>("source")
        {
            Description = "standalone: a model to fetch, hf:org/name[@revision] (without it, runs the Download stage of --config)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var revision = new Option<string?>("--revision") { Description = "branch, tag or commit (overrides @revision in SOURCE)" };
        var output = new Option<string?>("--out") { Description = "also copy the snapshot files into this folder" };
        command.Arguments.Add(source);
        command.Options.Add(revision);
        command.Options.Add(output);
        command.SetAction(async (parse, cancellationToken) =>
            parse.GetValue(source) is { Length: > 0 } model
                ? await RunAsync(model, parse.GetValue(revision), parse.GetValue(output), cancellationToken)
                : await stageAction.InvokeAsync(parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string source, string? revision, string? output, CancellationToken cancellationToken)
    {
        if (!HubReference.IsHubSource(source))
        {
            CliErrors.Write($"download: '{source}' is not handled by this command yet: only hf:org/name[@revision] sources are " +
                            "(builtin:tiny-llama and local folders come with the Download stage)");
            return ExitCodes.NotImplemented;
        }
        HubReference reference;
        HubSettings settings;
        try
        {
            reference = HubReference.Parse(source, revision);
            settings = HubSettings.FromEnvironment();
        }
        catch (ArgumentException e)
        {
            CliErrors.Write($"download: {e.Message}");
            return ExitCodes.ConfigError;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        try
        {
            using var client = new HubClient(settings);
            var snapshot = await client.DownloadSnapshotAsync(reference.RepoId, reference.Revision, console, cancellationToken);
            if (output is not null) CopySnapshot(snapshot, Path.GetFullPath(output));
            Console.Out.WriteLine(snapshot);
            return ExitCodes.Ok;
        }
        catch (HubException e)
        {
            CliErrors.Write($"download failed: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            CliErrors.Write("download: interrupted (partial files are kept and resume next time)");
            return ExitCodes.Interrupted;
        }
        catch (IOException e)
        {
            CliErrors.Write($"download: copying into {output} failed: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Copies the files (not the links) of a snapshot, keeping relative paths; existing files are replaced atomically.</summary>
    private static void CopySnapshot(string snapshot, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(snapshot, file));
            AtomicFile.Write(target, stream =>
            {
                using var input = File.OpenRead(file);
                input.CopyTo(stream);
            });
        }
    }
}
