using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>
/// The Download stage: makes the configured model available locally and records where it is in
/// <c>download/source.json</c> (the built-in model is written into the stage folder; a local folder is
/// referenced in place; a Hub snapshot is a pointer into the Hugging Face cache).
/// </summary>
internal sealed class DownloadStage : IStage
{
    /// <inheritdoc />
    public string Name => "download";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => [];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Model.Source, config.Model.Revision };

    /// <inheritdoc />
    public IEnumerable<string> InputFiles(StageInputs inputs)
    {
        var source = Parse(inputs.Config);
        if (source.Kind != ModelSourceKind.LocalFolder) return [];
        var folder = Path.GetFullPath(Path.Combine(inputs.BaseDirectory, source.Value));
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder).Where(f => !CheckpointFormats.IsPickle(f) && !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// For an <c>hf:</c> source at a branch or tag: the commit it points at now (one revision lookup, as
    /// <c>huggingface_hub</c> makes; the cached commit offline or when the Hub cannot be reached), so a moved branch
    /// reruns Download and everything after it. A commit sha in the config needs no lookup.
    /// </summary>
    public async Task<string?> ResolveExternalInputAsync(StageInputs inputs, Spectre.Console.IAnsiConsole console, CancellationToken cancellationToken)
    {
        var source = Parse(inputs.Config);
        if (source.Kind != ModelSourceKind.Hub || source.Revision is null || HubNames.IsCommitSha(source.Revision)) return null;
        using var client = new HubClient(HubSettings.FromEnvironment());
        return await client.ResolveRevisionAsync(source.Value, source.Revision, console, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var source = Parse(context.Config);
        string path;
        switch (source.Kind)
        {
            case ModelSourceKind.Builtin:
                var folder = Path.Combine(context.OutputDirectory, "model");
                BuiltinTinyLlama.Write(folder);
                path = "model";
                break;
            case ModelSourceKind.LocalFolder:
                path = context.Resolve(source.Value);
                if (!Directory.Exists(path))
                    throw new StageException($"model.source: folder {path} does not exist; give hf:org/name, a model folder, or builtin:tiny-llama");
                if (!File.Exists(Path.Combine(path, "config.json")))
                    throw new StageException($"model.source: {path} has no config.json; it is not a Hugging Face model folder");
                break;
            default:
                path = await HubSnapshots.DownloadAsync(source, context.Console, cancellationToken).ConfigureAwait(false);
                break;
        }
        // A Hub snapshot folder is named by its commit: the resolved revision, pinned for everything downstream.
        var commit = source.Kind == ModelSourceKind.Hub && HubNames.IsCommitSha(Path.GetFileName(path)) ? Path.GetFileName(path) : null;
        var modelFolder = Path.IsPathRooted(path) ? path : Path.Combine(context.OutputDirectory, path);
        var license = BaseModelLicense.Read(modelFolder);
        if (source.Kind != ModelSourceKind.Builtin)
            context.Console.WriteLine(license is null
                ? $"download: the base model's card ({BaseModelLicense.CardFile}) names no licence; Publish needs publish.license for an hf: base"
                : $"download: base model licence {license.Id}{(license.Name is null ? "" : $" ({license.Name})")} (from its {BaseModelLicense.CardFile})");
        new ModelPointer(source.ToString(), source.Kind.ToString(), path, commit, license).Write(context.OutputDirectory);
    }

    /// <inheritdoc />
    public void CheckConfig(PipelineConfig config) => Parse(config);

    private static ModelSource Parse(PipelineConfig config)
    {
        try
        {
            return ModelSource.Parse(config.Model.Source, config.Model.Revision);
        }
        catch (ArgumentException e)
        {
            throw config.Problem("model.source", PipelineConfigs.Message(e));
        }
    }
}
