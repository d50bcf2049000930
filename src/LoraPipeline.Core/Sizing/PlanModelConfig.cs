using LoraPipeline.Modeling;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Sizing;

/// <summary>Reads the <c>config.json</c> a plan is made for, refusing mixture-of-experts models with <see cref="MoeCaveat"/>.</summary>
internal static class PlanModelConfig
{
    /// <summary>Loads <paramref name="path"/> (a <c>config.json</c> or a model folder); throws <see cref="CheckpointException"/>.</summary>
    public static ModelConfig Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        if (!File.Exists(file)) throw new CheckpointException($"{file}: config.json not found");
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{file}: invalid JSON: {e.Message}", e);
        }
        if (json is null) throw new CheckpointException($"{file}: expected a JSON object");
        if (MoeCaveat.Describe(json, file) is { } refusal) throw new CheckpointException(refusal);
        return ModelConfig.FromJson(json, file);
    }
}
