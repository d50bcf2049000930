using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>Loads a configuration and lets every stage check its own keys, so a bad value fails before any work.</summary>
internal static class PipelineConfigs
{
    /// <summary><see cref="ConfigLoader.Load"/> followed by each stage's <see cref="IStage.CheckConfig"/>.</summary>
    public static PipelineConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        var config = ConfigLoader.Load(path, overrides);
        foreach (var entry in StageCatalog.All) entry.Create().CheckConfig(config);
        return config;
    }

    /// <summary>An <see cref="ArgumentException"/>'s message without .NET's " (Parameter 'x')" suffix.</summary>
    public static string Message(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
