using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>The safetensors dtype names this project reads and writes, and their torch equivalents.</summary>
internal static class SafetensorsDType
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> ByName = new()
    {
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["F64"] = (ScalarType.Float64, 8),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Names accepted in a header.</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    /// <summary>Looks up a header dtype name; false when unknown.</summary>
    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        var found = ByName.TryGetValue(name, out var entry);
        (type, elementSize) = found ? entry : (default, 0);
        return found;
    }

    /// <summary>The header name of a torch dtype.</summary>
    public static string NameOf(ScalarType type) =>
        ByName.FirstOrDefault(p => p.Value.Type == type).Key
        ?? throw new ArgumentException($"dtype {type} has no safetensors name", nameof(type));
}
