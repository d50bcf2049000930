using System.CommandLine;
using LoraPipeline.Cli;
using LoraPipeline.Pipeline;

// Logs (CI, pipes) get whole lines: Spectre would otherwise wrap redirected output at 80 columns,
// splitting figures and paths across lines. COLUMNS, when set, still decides.
// Colour codes are left out of files and pipes too (Spectre would otherwise trust TERM).
if (Console.IsOutputRedirected)
{
    var profile = Spectre.Console.AnsiConsole.Profile;
    profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 240;
    profile.Capabilities.Ansi = false;
    profile.Capabilities.ColorSystem = Spectre.Console.ColorSystem.NoColors;
    profile.Capabilities.Interactive = false;
}

var root = new RootCommand(
    "lora: LoRA fine-tuning pipeline for Llama-family models (download, convert, prepare, train, evaluate, publish).\n" +
    "Each stage command runs one stage incrementally for a config: lora <stage> --config FILE [--set key=value ...] [--artifacts DIR]");
foreach (var entry in StageCatalog.All)
    root.Subcommands.Add(StageCommand.Create(entry, entry.Name switch
    {
        "download" => new DownloadCommand(),
        "convert" => new ConvertCommand(),
        "plan" => new PlanCommand(),
        "select" => new SelectCommand(),
        _ => null,
    }));
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(LogitsCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(LoraPipeline.Cli.Bench.BenchCommand.Create());

// Signals are handled by ShutdownSignal (stop after the step, then exit), not by System.CommandLine's timeout.
// Exceptions are reported by TopLevelErrors (one line, trace in a log file), not System.CommandLine's handler.
using var shutdown = new ShutdownSignal();
try
{
    return await root.Parse(args).InvokeAsync(
        new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, shutdown.Token);
}
catch (Exception e)
{
    return TopLevelErrors.Report(e);
}
