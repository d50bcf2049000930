using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>Loads a configuration and lets every stage check its own keys, so a bad value fails before any work.</summary>
internal static class PipelineConfigs
{
    /// <summary><see cref="ConfigLoader.Load"/> followed by each stage's <see cref="IStage.CheckConfig"/>, and with
    /// <paramref name="checkInputs"/> its <see cref="IStage.CheckInputs"/> (the files it names exist here).</summary>
    public static PipelineConfig Load(string path, IEnumerable<string>? overrides = null, bool checkInputs = true)
    {
        var config = ConfigLoader.Load(path, overrides);
        foreach (var entry in StageCatalog.All) entry.Create().CheckConfig(config);
        if (checkInputs)
            foreach (var entry in StageCatalog.All) entry.Create().CheckInputs(config);
        return config;
    }

    /// <summary>What <see cref="IStage.CheckInputs"/> would refuse on this machine, one message per stage that would.</summary>
    public static IReadOnlyList<string> InputProblems(PipelineConfig config)
    {
        var problems = new List<string>();
        foreach (var entry in StageCatalog.All)
        {
            try
            {
                entry.Create().CheckInputs(config);
            }
            catch (ConfigException e)
            {
                problems.Add(e.Message);
            }
        }
        return problems;
    }

    /// <summary>An <see cref="ArgumentException"/>'s message without .NET's " (Parameter 'x')" suffix.</summary>
    public static string Message(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
