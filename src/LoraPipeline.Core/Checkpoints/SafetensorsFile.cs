using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>
/// Reads tensors from one safetensors file. The header is validated on open; each tensor is read
/// straight from the file into its own tensor memory (no intermediate buffer), so loading a whole
/// file peaks at about its size plus one tensor when a dtype conversion is asked for.
/// </summary>
internal sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsFile(SafetensorsHeader header)
    {
        Header = header;
        _byName = header.Entries.ToDictionary(e => e.Name);
        _handle = File.OpenHandle(header.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>Tensor names in file order.</summary>
    public IEnumerable<string> Names => Header.Entries.Select(e => e.Name);

    /// <summary>Opens a file, refusing pickled checkpoints and validating the header.</summary>
    public static SafetensorsFile Open(string path)
    {
        CheckpointFormats.RefusePickle(path);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found");
        return new SafetensorsFile(SafetensorsHeader.Read(path));
    }

    /// <summary>The header entry of a tensor.</summary>
    public SafetensorsEntry Entry(string name) =>
        _byName.TryGetValue(name, out var entry) ? entry : throw new CheckpointException($"{Header.Path}: no tensor named '{name}'");

    /// <summary>Reads one tensor, optionally converted to <paramref name="dtype"/> and moved to <paramref name="device"/>.</summary>
    public Tensor Read(string name, ScalarType? dtype = null, Device? device = null)
    {
        var entry = Entry(name);
        var tensor = empty(entry.Shape, entry.Type);
        try
        {
            var start = Header.DataOffset + entry.Begin;
            Torch.TensorBytes.ForEach(tensor, (span, offset) =>
            {
                var read = 0;
                while (read < span.Length)
                {
                    var n = RandomAccess.Read(_handle, span[read..], start + offset + read);
                    if (n == 0) throw new CheckpointException($"{Header.Path}: tensor '{name}': file ended early");
                    read += n;
                }
            });
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return Convert(tensor, dtype, device);
    }

    private static Tensor Convert(Tensor tensor, ScalarType? dtype, Device? device)
    {
        var wantsType = dtype is { } t && t != tensor.dtype;
        var wantsDevice = device is not null && device.type != DeviceType.CPU;
        if (!wantsType && !wantsDevice) return tensor;
        using (tensor)
            return tensor.to(dtype ?? tensor.dtype, device ?? tensor.device);
    }

    /// <summary>Reads every tensor of the file.</summary>
    public Dictionary<string, Tensor> ReadAll(ScalarType? dtype = null, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in Header.Entries) result[entry.Name] = Read(entry.Name, dtype, device);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
