using System.CommandLine;
using LoraPipeline.Cli;
using LoraPipeline.Pipeline;

var root = new RootCommand(
    "lora: LoRA fine-tuning pipeline for Llama-family models (download, convert, prepare, train, evaluate, publish).\n" +
    "Each stage command runs one stage incrementally for a config: lora <stage> --config FILE [--set key=value ...] [--artifacts DIR]");
foreach (var entry in StageCatalog.All)
    root.Subcommands.Add(StageCommand.Create(entry, entry.Name switch
    {
        "download" => new DownloadCommand(),
        "convert" => new ConvertCommand(),
        "plan" => new PlanCommand(),
        _ => null,
    }));
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(LogitsCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(LoraPipeline.Cli.Bench.BenchCommand.Create());

// Signals are handled by ShutdownSignal (stop after the step, then exit), not by System.CommandLine's timeout.
using var shutdown = new ShutdownSignal();
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, shutdown.Token);
