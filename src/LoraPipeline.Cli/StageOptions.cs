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

    /// <summary>Overrides written as NeMo/Hydra users write them, without <c>--set</c>: <c>trainer.max_steps=2048 model.optim.lr=1e-4</c>.</summary>
    public Argument<string[]> Overrides { get; } = new("overrides")
    {
        Description = "overrides as key=value, ours or NeMo's (trainer.max_steps=2048 model.optim.lr=1e-4), same as --set",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>The <c>--set</c> overrides followed by the positional ones, in that order.</summary>
    public string[] AllOverrides(ParseResult parse) =>
        [.. parse.GetValue(Set) ?? [], .. parse.GetValue(Overrides) ?? []];

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
