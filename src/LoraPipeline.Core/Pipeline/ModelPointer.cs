using System.Text.Json;
using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>
/// <c>download/source.json</c>: where the Download stage left the model folder, read by every stage that loads
/// the base model. It lives here, not in Hub/, so that Convert (Checkpoints/) reads it without depending on Hub/.
/// </summary>
/// <param name="Source">The source as configured.</param>
/// <param name="Kind">Hub, LocalFolder or Builtin.</param>
/// <param name="Path">Model folder: absolute, or relative to the stage folder.</param>
/// <param name="Revision">For a Hub source, the commit sha the configured revision resolved to (the base an adapter
/// must be loaded on); null for local and built-in sources.</param>
/// <param name="License">The licence the base model's card (<c>README.md</c>) declares, or null when it has none.</param>
internal sealed record ModelPointer(string Source, string Kind, string Path, string? Revision = null, BaseModelLicense? License = null)
{
    /// <summary>File name inside the Download stage folder.</summary>
    public const string FileName = ArtifactNames.ModelSource;

    /// <summary>Writes the pointer into <paramref name="downloadStageDirectory"/> (atomically).</summary>
    public void Write(string downloadStageDirectory) =>
        AtomicFile.WriteAllText(System.IO.Path.Combine(downloadStageDirectory, FileName), JsonSerializer.Serialize(this, ConfigJson.Options) + "\n");

    /// <summary>
    /// The commit the base's Hub revision resolved to, as the Download stage of <paramref name="artifactsDirectory"/>
    /// recorded it; null for local and built-in bases, or when that record is missing or unreadable.
    /// </summary>
    public static string? ResolvedCommit(string artifactsDirectory)
    {
        var file = System.IO.Path.Combine(artifactsDirectory, "download", FileName);
        try
        {
            return File.Exists(file) ? Parse(file)?.Revision : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The licence the base model's card declared, as the Download stage of <paramref name="artifactsDirectory"/> recorded it;
    /// null when the card named none, or when that record is missing or unreadable.
    /// </summary>
    public static BaseModelLicense? RecordedLicense(string artifactsDirectory)
    {
        var file = System.IO.Path.Combine(artifactsDirectory, "download", FileName);
        try
        {
            return File.Exists(file) ? Parse(file)?.License : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ModelPointer? Parse(string file) => JsonSerializer.Deserialize<ModelPointer>(File.ReadAllText(file), ConfigJson.Options);

    /// <summary>The model folder recorded by a committed Download stage folder; a clear error when it is gone.</summary>
    public static string ResolveModelDirectory(string downloadStageDirectory)
    {
        var file = System.IO.Path.Combine(downloadStageDirectory, FileName);
        if (!File.Exists(file)) throw new StageException($"{file} is missing; run the Download stage first");
        ModelPointer? pointer;
        try
        {
            pointer = Parse(file);
        }
        catch (JsonException e)
        {
            throw new StageException($"{file}: invalid JSON ({e.Message}); run the Download stage again (./build.sh --target=Download)");
        }
        if (pointer is null || string.IsNullOrEmpty(pointer.Path))
            throw new StageException($"{file}: no model path; run the Download stage again (./build.sh --target=Download)");
        var path = System.IO.Path.IsPathRooted(pointer.Path) ? pointer.Path : System.IO.Path.Combine(downloadStageDirectory, pointer.Path);
        if (!Directory.Exists(path))
            throw new StageException($"{file} points to {path}, which no longer exists; run the Download stage again (./build.sh --target=Download)");
        return path;
    }
}
