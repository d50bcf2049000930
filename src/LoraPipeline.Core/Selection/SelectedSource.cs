using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;

namespace LoraPipeline.Selection;

/// <summary>
/// <c>model.source: select:choice</c> (or <c>"select:"</c> quoted in YAML, where a bare trailing colon would start a
/// section): the Select stage's choice (<c>select/choice.json</c>'s <c>choice.source</c>) replaces
/// the source before any stage reads it, so every stage, fingerprint and report names the real model.
/// </summary>
internal static class SelectedSource
{
    /// <summary>The values that ask for the choice.</summary>
    public static IReadOnlyList<string> Markers { get; } = ["select:choice", "select:"];

    /// <summary>Replaces <c>select:</c> in <paramref name="config"/> with the choice under <paramref name="artifactsDirectory"/>; returns the chosen source, or null when the config names its own.</summary>
    public static string? Apply(PipelineConfig config, string artifactsDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!Markers.Contains(config.Model.Source.Trim(), StringComparer.Ordinal)) return null;
        var file = Path.Combine(artifactsDirectory, "select", "choice.json");
        if (!File.Exists(file))
            throw new ConfigException(config.KeyOrigins.GetValueOrDefault("model.source", config.SourceName), "model.source",
                $"'{config.Model.Source}' takes the Select stage's choice, but {file} does not exist; run ./build.sh --target=Select (or lora select --config ...) first");
        string? source;
        try
        {
            source = JsonNode.Parse(File.ReadAllText(file))?["choice"]?["source"]?.GetValue<string>();
        }
        catch (JsonException e)
        {
            throw new ConfigException(file, "choice", $"invalid JSON: {e.Message}; rerun Select");
        }
        config.Model.Source = source ?? throw new ConfigException(file, "choice",
            "no candidate met every target, so there is nothing to download; relax select.* or name model.source yourself");
        return source;
    }
}
