using System.CommandLine;

namespace LoraPipeline.Cli;

/// <summary>Options shared by every stage command: <c>--config</c>, repeatable <c>--set</c>, <c>--artifacts</c>, <c>--threads</c>.</summary>
internal sealed class StageOptions
{
    public Option<string> Config { get; } = new("--config", "-c")
    {
        Description = "pipeline config (YAML)",
        DefaultValueFactory = _ => "configs/default.yaml",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "override a config key, e.g. --set train.lr=2e-4 (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Artifacts { get; } = new("--artifacts")
    {
        Description = "artifacts folder (default: artifacts/<config name>)",
    };

    public Option<int?> Threads { get; } = new("--threads")
    {
        Description = "libtorch threads for this run (default: train.threads; 0 = the physical cores available)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Threads);
        command.Options.Add(Config);
        command.Options.Add(Set);
        command.Options.Add(Artifacts);
    }
}
