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
}
