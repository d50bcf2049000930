namespace LoraPipeline.Checkpoints;

/// <summary>File-name conventions of Hugging Face checkpoints, and the refusal of pickles.</summary>
internal static class CheckpointFormats
{
    /// <summary>Single-file checkpoint name.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>Shard index name.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    private static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl"];

    /// <summary>True for file names of pickled PyTorch checkpoints.</summary>
    public static bool IsPickle(string path) =>
        PickleExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Throws for pickled checkpoints: they can run code when loaded, so they are never read.</summary>
    public static void RefusePickle(string path)
    {
        if (IsPickle(path))
            throw new CheckpointException(
                $"{path}: pickled PyTorch checkpoints are never loaded (unpickling can run arbitrary code); " +
                "convert it to safetensors first, e.g. in Python: safetensors.torch.save_file(torch.load(path), 'model.safetensors')");
    }
}
