using LoraPipeline.Checkpoints;

namespace LoraPipeline.Hub;

/// <summary>Which files of a model repository are downloaded: config, tokenizer, the model card (for its licence) and safetensors
/// weights, all at the repository root. Each named file is fetched only when the repository lists it.</summary>
internal static class HubFileSelection
{
    private static readonly HashSet<string> NamedFiles = new(StringComparer.Ordinal)
    {
        "config.json", "generation_config.json",
        "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
        "vocab.json", "merges.txt", "added_tokens.json",
        CheckpointFormats.IndexFile,
        // The model card: its front matter declares the licence the adapter's card inherits.
        "README.md",
    };

    private static readonly string[] OtherWeightExtensions = [".h5", ".msgpack", ".onnx", ".gguf", ".tflite", ".ot", ".ckpt"];

    /// <summary>True for a root-level safetensors weights file.</summary>
    public static bool IsSafetensors(string path) =>
        !path.Contains('/') && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for the root-level config and tokenizer files a model needs (not weights).</summary>
    public static bool IsSupportFile(string path) =>
        !path.Contains('/') && (NamedFiles.Contains(path) || path.StartsWith("chat_template.", StringComparison.Ordinal));

    /// <summary>True for weights this project never downloads: pickles and other frameworks' formats.</summary>
    public static bool IsOtherWeights(string path) =>
        CheckpointFormats.IsPickle(path) ||
        OtherWeightExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The weights to fetch once the shard index (if any) is known: the shards the index names; else
    /// <c>model.safetensors</c>; else every root-level safetensors file. Avoids duplicate exports such as
    /// Mistral's <c>consolidated.safetensors</c> beside the sharded copy.
    /// </summary>
    public static IReadOnlyList<string> Weights(IReadOnlyCollection<string> repoFiles, IReadOnlyCollection<string>? indexShards)
    {
        if (indexShards is not null) return indexShards.ToList();
        if (repoFiles.Contains(CheckpointFormats.SingleFile)) return [CheckpointFormats.SingleFile];
        return repoFiles.Where(IsSafetensors).Order(StringComparer.Ordinal).ToList();
    }
}
