using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>
/// <c>stage.json</c>: written last into a stage's output folder, it records what the outputs were made
/// from (the fingerprint and its parts) and what they are (each file's size, time and SHA-256).
/// </summary>
internal sealed class StageManifest
{
    /// <summary>Stage name.</summary>
    public required string Stage { get; init; }

    /// <summary>SHA-256 over config section, upstream fingerprints, input contents and core version.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Core version that produced the outputs.</summary>
    public required string CoreVersion { get; init; }

    /// <summary>When the stage finished (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>Wall time of the stage in seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>Upstream stage fingerprints by name.</summary>
    public Dictionary<string, string> Upstream { get; init; } = [];

    /// <summary>SHA-256 of each input file by path.</summary>
    public Dictionary<string, string> Inputs { get; init; } = [];

    /// <summary>The outputs, relative to the stage folder.</summary>
    public List<OutputFile> Outputs { get; init; } = [];

    /// <summary>One output file.</summary>
    public sealed record OutputFile(string Path, long Size, long MtimeTicks, string Sha256);

    private static readonly JsonSerializerOptions Json = new(ConfigJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a manifest, or returns null when it is missing or unreadable (a stage that never finished).</summary>
    public static StageManifest? TryRead(string stageDirectory)
    {
        var path = Path.Combine(stageDirectory, ArtifactNames.StageManifest);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<StageManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the manifest atomically into <paramref name="stageDirectory"/>.</summary>
    public void Write(string stageDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(stageDirectory, ArtifactNames.StageManifest), JsonSerializer.Serialize(this, Json));
}
