using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Header dtype name (F32, BF16, ...).</param>
/// <param name="Type">Torch dtype.</param>
/// <param name="Shape">Shape.</param>
/// <param name="Begin">Start offset within the data section.</param>
/// <param name="End">End offset (exclusive) within the data section.</param>
internal sealed record SafetensorsEntry(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long End)
{
    /// <summary>Byte length of the tensor's data.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>
/// A parsed and validated safetensors header. Every fault (header length beyond the file, offsets
/// outside the data, overlapping ranges, unknown dtype, shape disagreeing with the byte count) is found
/// here, before any tensor memory is allocated, and named with the file and tensor.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(string path, long dataOffset, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        DataOffset = dataOffset;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Absolute file offset of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>Tensors in file order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    public static SafetensorsHeader Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw new CheckpointException($"{path}: not a safetensors file: {fileLength} bytes is shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw new CheckpointException($"{path}: header length {headerLength} runs past the end of the file ({fileLength} bytes); the file is truncated or not safetensors");
        if (headerLength > MaxHeaderBytes)
            throw new CheckpointException($"{path}: header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataOffset = 8 + (long)headerLength;
        return Parse(path, headerBytes, fileLength - dataOffset, dataOffset);
    }

    private static SafetensorsHeader Parse(string path, byte[] headerBytes, long dataLength, long dataOffset)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd(' ', '\0'));
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException($"{path}: header must be a JSON object");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in property.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
            }
            CheckOverlaps(path, entries);
            return new SafetensorsHeader(path, dataOffset, entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        string Where() => $"{path}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{Where()}: entry must be an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointException($"{Where()}: missing dtype");
        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var type, out var elementSize))
            throw new CheckpointException($"{Where()}: unknown dtype '{dtype}'; supported: {string.Join(", ", SafetensorsDType.Names)}");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointException($"{Where()}: missing shape");
        var shape = new long[shapeElement.GetArrayLength()];
        var index = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
                throw new CheckpointException($"{Where()}: shape {shapeElement.GetRawText()} must list non-negative integers");
            shape[index++] = d;
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end))
            throw new CheckpointException($"{Where()}: data_offsets must be [begin, end]");
        if (begin < 0 || end < begin)
            throw new CheckpointException($"{Where()}: data_offsets [{begin}, {end}] are not an increasing range");
        if (end > dataLength)
            throw new CheckpointException($"{Where()}: data_offsets [{begin}, {end}] lie outside the file's {dataLength}-byte data section; the file is truncated or corrupt");
        long elements = 1;
        try
        {
            foreach (var d in shape) elements = checked(elements * d);
            var expected = checked(elements * elementSize);
            if (expected != end - begin)
                throw new CheckpointException($"{Where()}: shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets span {end - begin}");
        }
        catch (OverflowException)
        {
            throw new CheckpointException($"{Where()}: shape [{string.Join(", ", shape)}] is too large");
        }
        return new SafetensorsEntry(name, dtype, type, shape, begin, end);
    }

    private static void CheckOverlaps(string path, List<SafetensorsEntry> entries)
    {
        SafetensorsEntry? previous = null;
        foreach (var entry in entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin))
        {
            if (previous is not null && entry.Begin < previous.End)
                throw new CheckpointException(
                    $"{path}: tensors '{previous.Name}' [{previous.Begin}, {previous.End}) and '{entry.Name}' [{entry.Begin}, {entry.End}) overlap");
            previous = entry;
        }
    }
}
