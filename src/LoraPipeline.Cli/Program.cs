using System.CommandLine;
using LoraPipeline.Cli;
using LoraPipeline.Pipeline;

var root = new RootCommand(
    "lora: LoRA fine-tuning pipeline for Llama-family models (download, convert, prepare, train, evaluate, publish).\n" +
    "Each stage command runs one stage incrementally for a config: lora <stage> --config FILE [--set key=value ...] [--artifacts DIR]");
foreach (var entry in StageCatalog.All)
    root.Subcommands.Add(entry.Name == "download" ? DownloadCommand.Create(entry) : StageCommand.Create(entry));
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(LoraPipeline.Cli.Bench.BenchCommand.Create());

return await root.Parse(args).InvokeAsync();
