using System.CommandLine;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>
/// Standalone form of <c>lora download</c>, the way <c>huggingface-cli download</c> works:
/// <c>lora download SOURCE [--revision R] [--out DIR]</c> makes the model available locally and prints its
/// folder as the last stdout line. SOURCE is <c>hf:org/name[@rev]</c> (Hugging Face cache), a local folder,
/// or <c>builtin:tiny-llama</c> (written to --out, or to the cache's <c>builtin--tiny-llama</c> folder).
/// </summary>
internal sealed class DownloadCommand : IStandaloneForm
{
    private readonly Argument<string?> _source = new("source")
    {
        Description = "standalone: hf:org/name[@revision], a model folder or builtin:tiny-llama (without it, runs the Download stage of --config)",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string?> _revision = new("--revision") { Description = "standalone: branch, tag or commit (overrides @revision in SOURCE)" };
    private readonly Option<string?> _out = new("--out") { Description = "standalone: also copy the model files into this folder" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(_source);
        command.Options.Add(_revision);
        command.Options.Add(_out);
    }

    public Task<int>? TryRun(ParseResult parse, CancellationToken cancellationToken) =>
        parse.GetValue(_source) is { Length: > 0 } source
            ? RunAsync(source, parse.GetValue(_revision), parse.GetValue(_out), cancellationToken)
            : null;

    private static async Task<int> RunAsync(string text, string? revision, string? output, CancellationToken cancellationToken)
    {
        ModelSource source;
        HubSettings settings;
        try
        {
            source = ModelSource.Parse(text, revision ?? HubReference.DefaultRevision);
            if (revision is not null && source.Kind == ModelSourceKind.Hub) source = source with { Revision = revision };
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
            var folder = source.Kind == ModelSourceKind.Builtin && output is not null
                ? WriteBuiltin(Path.GetFullPath(output))
                : await ModelSources.ResolveAsync(source, settings, Directory.GetCurrentDirectory(), console, cancellationToken);
            if (output is not null && Path.GetFullPath(output) != folder) CopyModel(folder, Path.GetFullPath(output));
            // The folder the user asked for, when there is one: that is where the model now is for them.
            Console.Out.WriteLine(output is not null ? Path.GetFullPath(output) : folder);
            return ExitCodes.Ok;
        }
        catch (HubException e)
        {
            CliErrors.Write($"download failed: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (StageException e)
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

    private static string WriteBuiltin(string folder)
    {
        BuiltinTinyLlama.Write(folder);
        return folder;
    }

    /// <summary>Copies the files (not the links) of a model folder, keeping relative paths; existing files are replaced atomically.</summary>
    private static void CopyModel(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            AtomicFile.Write(target, stream =>
            {
                using var input = File.OpenRead(file);
                input.CopyTo(stream);
            });
        }
    }
}
