using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Engines;

/// <summary>What the bundle is made from.</summary>
/// <param name="Config">The pipeline config.</param>
/// <param name="ModelDirectory">The converted base model.</param>
/// <param name="PrepareDirectory">The prepared splits.</param>
/// <param name="BaseModelName">The adapter's <c>base_model_name_or_path</c>.</param>
/// <param name="BaseModelRevision">The adapter's <c>revision</c>, or null.</param>
internal sealed record TrlBundleInputs(PipelineConfig Config, string ModelDirectory, string PrepareDirectory, string BaseModelName, string? BaseModelRevision);

/// <summary><c>manifest.json</c>: the SHA-256 of every input the bundle was made from and of every file it holds.</summary>
/// <param name="BaseModelName">The adapter's base model name.</param>
/// <param name="BaseModelRevision">Its revision, or null.</param>
/// <param name="Inputs">Absolute path of each input (prepared splits, prompt format, base model files) to its SHA-256.</param>
/// <param name="Files">Each bundle file, relative to the bundle, to its SHA-256.</param>
internal sealed record TrlBundleManifest(string BaseModelName, string? BaseModelRevision,
    IReadOnlyDictionary<string, string> Inputs, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// Writes the TRL bundle (<c>train/engine/</c>): the train and validation splits as prompt/completion JSONL, the entry script,
/// the launch script and accelerate config, and the manifest. Everything in it is derived from the config and the upstream
/// stages' outputs, so the same inputs write the same bytes.
/// </summary>
internal static class TrlBundle
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions ManifestJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = true,
    };

    /// <summary>Writes the bundle into <paramref name="directory"/> (created; files replaced) and returns its manifest.</summary>
    public static TrlBundleManifest Write(TrlBundleInputs inputs, string directory)
    {
        var config = inputs.Config;
        TrlArguments.AccumulationSteps(config); // a batch that does not divide fails before anything is written
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        var format = PromptFormatRecord.Read(inputs.PrepareDirectory);
        WriteData(Path.Combine(inputs.PrepareDirectory, ArtifactNames.TrainSplit), Path.Combine(directory, EngineNames.TrainData));
        WriteData(Path.Combine(inputs.PrepareDirectory, ArtifactNames.ValidSplit), Path.Combine(directory, EngineNames.ValidData));
        AtomicFile.WriteAllText(Path.Combine(directory, EngineNames.EntryScript),
            TrlEntryScript.Text(config, Path.GetFullPath(inputs.ModelDirectory), inputs.BaseModelName, inputs.BaseModelRevision, format.EndOfTurnToken));
        AtomicFile.WriteAllText(Path.Combine(directory, EngineNames.AccelerateConfig), TrlLaunch.AccelerateConfig(config));
        var launch = Path.Combine(directory, EngineNames.LaunchScript);
        AtomicFile.WriteAllText(launch, TrlLaunch.Script(config));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(launch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                         UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var inputFiles = new[] { ArtifactNames.TrainSplit, ArtifactNames.ValidSplit, ArtifactNames.PromptFormat }
            .Select(name => Path.Combine(inputs.PrepareDirectory, name))
            .Concat(Directory.EnumerateFiles(inputs.ModelDirectory).Where(f => Path.GetFileName(f) != ArtifactNames.StageManifest))
            .Select(Path.GetFullPath).Order(StringComparer.Ordinal);
        var bundleFiles = new[] { EngineNames.TrainData, EngineNames.ValidData, EngineNames.EntryScript, EngineNames.AccelerateConfig, EngineNames.LaunchScript };
        var manifest = new TrlBundleManifest(inputs.BaseModelName, inputs.BaseModelRevision,
            new SortedDictionary<string, string>(inputFiles.ToDictionary(f => f, FileHashing.Sha256File), StringComparer.Ordinal),
            new SortedDictionary<string, string>(bundleFiles.ToDictionary(f => f, f => FileHashing.Sha256File(Path.Combine(directory, f))), StringComparer.Ordinal));
        AtomicFile.WriteAllText(Path.Combine(directory, EngineNames.Manifest), JsonSerializer.Serialize(manifest, ManifestJson) + "\n");
        return manifest;
    }

    /// <summary>Reads a bundle data file back.</summary>
    public static List<TrlExample> ReadData(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<TrlExample>(l, Json)!).ToList();

    private static void WriteData(string splitPath, string destination)
    {
        var records = SplitFiles.ReadLines<SplitRecord>(splitPath);
        AtomicFile.WriteAllText(destination, string.Concat(records.Select(r =>
            JsonSerializer.Serialize(new TrlExample(r.Input, r.Output, r.Id), Json) + "\n")));
    }
}
