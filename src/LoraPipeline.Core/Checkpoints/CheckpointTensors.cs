using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>
/// Reads tensors by name from whichever shard of a checkpoint holds them, opening each file once, on first use.
/// For readers that pick tensors across shards (a 4-bit weight's companions may sit in another shard than the weight).
/// </summary>
internal sealed class CheckpointTensors(Func<string, string?> fileOf) : IDisposable
{
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);

    /// <summary>The tensor <paramref name="name"/>, optionally converted and moved, or null when the checkpoint has none.</summary>
    public Tensor? Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        if (fileOf(name) is not { } file) return null;
        if (!_open.TryGetValue(file, out var reader)) _open[file] = reader = SafetensorsFile.Open(file);
        return reader.Read(name, dtype, device);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var reader in _open.Values) reader.Dispose();
        _open.Clear();
    }
}
