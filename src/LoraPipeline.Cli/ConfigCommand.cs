using System.CommandLine;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary><c>lora config</c>: validates a config with overrides and prints the resolved values as JSON.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var options = new StageOptions();
        var command = new Command("config", "validate a config (with --set overrides) and print the resolved values");
        command.Options.Add(options.Config);
        command.Options.Add(options.Set);
        command.Arguments.Add(options.Overrides);
        command.SetAction(parse =>
        {
            try
            {
                // Files the config names need not be on this machine (a cluster's /data): said on stderr, not refused.
                var config = PipelineConfigs.Load(parse.GetValue(options.Config)!, options.AllOverrides(parse), checkInputs: false);
                // stdout stays the JSON alone; how each NeMo key was read goes to stderr.
                NemoTranslationLines.Write(Console.Error, config);
                foreach (var problem in PipelineConfigs.InputProblems(config))
                    Console.Error.WriteLine($"warning: {problem} (a run on this machine would stop here)");
                Console.Out.WriteLine(ConfigJson.SerializeConfig(config));
                return ExitCodes.Ok;
            }
            catch (ConfigException e)
            {
                CliErrors.Write($"config error: {e.Message}");
                return ExitCodes.ConfigError;
            }
        });
        return command;
    }
}
