using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>Makes a <see cref="ModelSource"/> available as a local model folder.</summary>
internal static class ModelSources
{
    /// <summary>
    /// Returns the local folder of a source: a Hub snapshot in the Hugging Face cache, the given folder, or the
    /// built-in model written once into the cache's <c>builtin--NAME</c> folder.
    /// </summary>
    public static async Task<string> ResolveAsync(ModelSource source, HubSettings settings, string baseDirectory, IAnsiConsole? console,
        CancellationToken cancellationToken)
    {
        switch (source.Kind)
        {
            case ModelSourceKind.Hub:
                using (var client = new HubClient(settings))
                    return await client.DownloadSnapshotAsync(source.Value, source.Revision ?? HubReference.DefaultRevision, console, cancellationToken)
                        .ConfigureAwait(false);
            case ModelSourceKind.LocalFolder:
                var folder = Path.GetFullPath(Path.Combine(baseDirectory, source.Value));
                if (!Directory.Exists(folder))
                    throw new StageException($"model source: folder {folder} does not exist; give hf:org/name, a model folder, or builtin:tiny-llama");
                if (!File.Exists(Path.Combine(folder, "config.json")))
                    throw new StageException($"model source: {folder} has no config.json; it is not a Hugging Face model folder");
                return folder;
            default:
                var target = Path.Combine(settings.CacheDirectory, $"builtin--{source.Value}");
                // Written beside and renamed, so a half-written builtin folder is never used.
                if (!File.Exists(Path.Combine(target, "model.safetensors"))) AtomicDirectory.Write(target, BuiltinTinyLlama.Write);
                return target;
        }
    }
}
