using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Hub;
using LoraPipeline.Lora;
using LoraPipeline.Pipeline;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Cli;

/// <summary>
/// The last line of defence: an exception no command handled becomes one line on stderr. Errors the user can act on
/// (bad config, files, models, adapters, disk) print their message; anything else is an internal error whose full
/// trace goes to a log file named in the line (or to stderr with <c>LORA_TRACE=1</c>).
/// </summary>
internal static class TopLevelErrors
{
    public static int Report(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerExceptions[0];
        switch (e)
        {
            case OperationCanceledException:
                CliErrors.Write("interrupted");
                return ExitCodes.Interrupted;
            case ConfigException:
                CliErrors.Write($"config error: {e.Message}");
                return ExitCodes.ConfigError;
            case var full when DiskFull.Is(full): // an IOException, or a stage error wrapping one
                CliErrors.Write(DiskFull.Message(full));
                return ExitCodes.Failed;
            case StageException or CheckpointException or LoraException or TokenizerException or DataException or HubException
                or FormatException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException:
                CliErrors.Write(OneLine(e.Message));
                return ExitCodes.Failed;
        }
        var trace = e.ToString();
        if (Environment.GetEnvironmentVariable("LORA_TRACE") == "1")
        {
            CliErrors.Write($"internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            Console.Error.WriteLine(trace);
            return ExitCodes.Failed;
        }
        var log = TryWriteLog(trace);
        CliErrors.Write($"internal error: {e.GetType().Name}: {OneLine(e.Message)} " +
            (log is null ? "(set LORA_TRACE=1 to print the trace)" : $"(trace in {log}; please attach it to a bug report)"));
        return ExitCodes.Failed;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static string? TryWriteLog(string trace)
    {
        try
        {
            var path = Path.Combine(Path.GetTempPath(), $"lora-error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log");
            File.WriteAllText(path, trace + "\n");
            return path;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
