using LoraPipeline.Configuration;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Sweep;

/// <summary>
/// <c>train.from_sweep: true</c>: the Sweep stage's winning overrides (<c>sweep/best.yaml</c>) replace the config's values
/// before any stage reads them, so Train's fingerprint, and every later stage's, follows the winner.
/// </summary>
internal static class SweepChoice
{
    /// <summary>Applies <c>best.yaml</c> under <paramref name="artifactsDirectory"/> when the config asks for it; returns the
    /// overrides applied (<c>key=value</c> pairs), or null when <c>train.from_sweep</c> is false.</summary>
    public static string? Apply(PipelineConfig config, string artifactsDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Train.FromSweep) return null;
        var file = Path.Combine(artifactsDirectory, "sweep", SweepReport.BestFile);
        var origin = config.KeyOrigins.GetValueOrDefault("train.from_sweep", config.SourceName);
        if (!File.Exists(file))
            throw new ConfigException(origin, "train.from_sweep",
                $"takes the Sweep stage's winner, but {file} does not exist; run ./build.sh --target=Sweep (or lora sweep --config ...) first");
        var applied = new List<string>();
        try
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file)) yaml.Load(reader);
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            foreach (var (sectionNode, values) in root.Children)
                foreach (var (keyNode, valueNode) in ((YamlMappingNode)values).Children)
                {
                    var key = $"{((YamlScalarNode)sectionNode).Value}.{((YamlScalarNode)keyNode).Value}";
                    var value = ((YamlScalarNode)valueNode).Value ?? "";
                    Sweep.SweepPoint.Apply(config, key, value);
                    applied.Add($"{key}={value}");
                }
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidCastException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            throw new ConfigException(file, "best.yaml", $"unreadable ({e.Message}); run ./build.sh --target=Sweep again");
        }
        return string.Join(" ", applied);
    }
}
