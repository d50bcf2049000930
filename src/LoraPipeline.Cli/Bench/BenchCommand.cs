using System.CommandLine;

namespace LoraPipeline.Cli.Bench;

/// <summary><c>lora bench</c>: benchmarks that print ratios measured side by side in one run.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "benchmarks (each prints its figures as ratios measured in one run)");
        command.Subcommands.Add(LoadBenchCommand.Create());
        command.Subcommands.Add(KvBenchCommand.Create());
        command.Subcommands.Add(MemoryBenchCommand.Create());
        command.Subcommands.Add(InferBenchCommand.Create());
        command.Subcommands.Add(TrainBenchCommand.Create());
        command.Subcommands.Add(PackingBenchCommand.Create());
        command.Subcommands.Add(SelectBenchCommand.Create());
        return command;
    }
}
