using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraPipeline.Configuration;

/// <summary>Canonical JSON of options (snake_case keys, declaration order, enums as snake_case names):
/// the form hashed into stage fingerprints and written into reports.</summary>
internal static class ConfigJson
{
    /// <summary>Serializer settings shared by manifests and reports.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Serializes any options object or section canonically.</summary>
    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);

    /// <summary>
    /// The whole configuration, keys included that <see cref="DataOptions"/> hides from Prepare's fingerprint (<c>data.packing</c>,
    /// <c>data.train_files</c>, <c>data.concat_sampling_probabilities</c>: Train's concern, so toggling them never redoes Prepare):
    /// what <c>lora config</c> prints and what a Slurm job reads back as the same config.
    /// </summary>
    public static string SerializeConfig(PipelineConfig config)
    {
        var node = JsonSerializer.SerializeToNode(config, Options)!.AsObject();
        node["data"] = DataSection(config.Data);
        return node.ToJsonString(Options);
    }

    /// <summary>The <c>data</c> section whole, the three keys Prepare's fingerprint skips included (for config dumps and reports).</summary>
    public static System.Text.Json.Nodes.JsonObject DataSection(DataOptions data)
    {
        var node = JsonSerializer.SerializeToNode(data, Options)!.AsObject();
        node["packing"] = data.Packing;
        node["train_files"] = JsonSerializer.SerializeToNode(data.TrainFiles, Options);
        node["concat_sampling_probabilities"] = JsonSerializer.SerializeToNode(data.ConcatSamplingProbabilities, Options);
        return node;
    }
}
