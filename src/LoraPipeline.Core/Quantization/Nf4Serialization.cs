using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Checkpoints;
using static TorchSharp.torch;

namespace LoraPipeline.Quantization;

/// <summary>
/// The state-dict layout transformers + bitsandbytes save for a 4-bit weight <c>W</c> (bitsandbytes 0.50,
/// <c>QuantState.as_dict(packed=True)</c> and <c>from_dict</c>; transformers' bnb-4bit quantizer reads it back):
/// <c>W</c> (packed uint8), <c>W.absmax</c>, <c>W.quant_map</c>, with double quantization <c>W.nested_absmax</c> and
/// <c>W.nested_quant_map</c>, and <c>W.quant_state.bitsandbytes__nf4</c>: the UTF-8 bytes of a JSON object with
/// <c>quant_type</c>, <c>blocksize</c>, <c>dtype</c>, <c>shape</c> (and <c>nested_blocksize</c>, <c>nested_dtype</c>,
/// <c>nested_offset</c>) as a uint8 tensor. Reading checks every shape, dtype and field and names the tensor at fault.
/// </summary>
internal static class Nf4Serialization
{
    /// <summary>Suffix of the packed quant-state tensor for NF4.</summary>
    public const string QuantStateSuffix = ".quant_state.bitsandbytes__nf4";

    /// <summary>Suffixes of every tensor that accompanies a 4-bit <c>weight</c> (any quant type).</summary>
    public static IReadOnlyList<string> CompanionSuffixes { get; } =
        [".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map", QuantStateSuffix, ".quant_state.bitsandbytes__fp4"];

    /// <summary>Whether <paramref name="name"/> is a companion of some 4-bit weight (not a weight itself).</summary>
    public static bool IsCompanion(string name) => WeightOf(name) is not null;

    /// <summary>The weight a companion tensor belongs to (<c>x.weight.absmax</c> → <c>x.weight</c>), or null when
    /// <paramref name="name"/> is no companion.</summary>
    public static string? WeightOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var suffix in CompanionSuffixes)
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)) return name[..^suffix.Length];
        return null;
    }

    /// <summary>The tensors to save for <paramref name="weight"/> under <paramref name="weightName"/> (the caller disposes the quant-state tensor).</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> StateDict(string weightName, Nf4Weight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var result = new List<KeyValuePair<string, Tensor>>
        {
            new(weightName, weight.Packed),
            new(weightName + ".absmax", weight.Absmax),
            new(weightName + ".quant_map", weight.QuantMap),
        };
        if (weight.IsDoubleQuantized)
        {
            result.Add(new(weightName + ".nested_absmax", weight.NestedAbsmax!));
            result.Add(new(weightName + ".nested_quant_map", weight.NestedQuantMap!));
        }
        var json = Encoding.UTF8.GetBytes(QuantStateJson(weight));
        result.Add(new(weightName + QuantStateSuffix, tensor(json, ScalarType.Byte)));
        return result;
    }

    /// <summary>
    /// The quant state's non-tensor fields as Python's <c>json.dumps</c> writes them (same key order and separators,
    /// floats in shortest round-trip form), so our files carry the bytes bitsandbytes would write.
    /// </summary>
    public static string QuantStateJson(Nf4Weight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var text = new StringBuilder();
        text.Append("{\"quant_type\": \"nf4\", \"blocksize\": ").Append(weight.Blocksize.ToString(CultureInfo.InvariantCulture))
            .Append(", \"dtype\": \"").Append(weight.Dtype).Append("\", \"shape\": [")
            .Append(string.Join(", ", weight.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(']');
        if (weight.IsDoubleQuantized)
            text.Append(", \"nested_blocksize\": ").Append(weight.NestedBlocksize.ToString(CultureInfo.InvariantCulture))
                .Append(", \"nested_dtype\": \"float32\", \"nested_offset\": ").Append(PythonFloat(weight.NestedOffset));
        return text.Append('}').ToString();
    }

    /// <summary>
    /// Reads the 4-bit weight saved under <paramref name="weightName"/>; <paramref name="read"/> returns a stored
    /// tensor by name or null. Throws <see cref="CheckpointException"/> naming <paramref name="source"/> and the tensor
    /// for a missing part, a wrong shape or dtype, an unknown quant type or a block size that does not fit.
    /// </summary>
    public static Nf4Weight Read(string weightName, Func<string, Tensor?> read, string source)
    {
        ArgumentNullException.ThrowIfNull(read);
        var owned = new List<Tensor>();
        Tensor Require(string suffix)
        {
            var t = read(weightName + suffix) ?? throw Bad(suffix, "is missing");
            owned.Add(t);
            return t;
        }
        Tensor? Optional(string suffix)
        {
            var t = read(weightName + suffix);
            if (t is not null) owned.Add(t);
            return t;
        }
        CheckpointException Bad(string suffix, string what) =>
            new($"{source}: tensor '{weightName}{suffix}' {what}; re-save the model with transformers + bitsandbytes (4-bit NF4) or convert it with `lora convert --quantize nf4`");
        try
        {
            if (read(weightName + ".quant_state.bitsandbytes__fp4") is { } fp4)
            {
                fp4.Dispose();
                throw Bad(".quant_state.bitsandbytes__fp4", "says quant_type fp4, which is not supported (only nf4 is)");
            }
            var state = Require(QuantStateSuffix);
            if (state.dtype != ScalarType.Byte || state.dim() != 1) throw Bad(QuantStateSuffix, $"must be a 1-D uint8 tensor, not {state.dtype} {Shape(state.shape)}");
            var fields = ParseState(state, () => Bad(QuantStateSuffix, "does not hold a JSON object"));
            string Text(string key) => fields.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw Bad(QuantStateSuffix, $"has no string field '{key}'");
            int Int(string key) => fields.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
                : throw Bad(QuantStateSuffix, $"has no integer field '{key}'");
            var quantType = Text("quant_type");
            if (quantType != "nf4") throw Bad(QuantStateSuffix, $"has quant_type '{quantType}'; only nf4 is supported");
            var blocksize = Int("blocksize");
            if (!Nf4Weight.ValidBlocksizes.Contains(blocksize))
                throw Bad(QuantStateSuffix, $"has blocksize {blocksize}; bitsandbytes uses one of {string.Join(", ", Nf4Weight.ValidBlocksizes)}");
            var dtype = Text("dtype");
            if (dtype is not ("bfloat16" or "float16" or "float32")) throw Bad(QuantStateSuffix, $"has dtype '{dtype}'; expected bfloat16, float16 or float32");
            if (!fields.TryGetValue("shape", out var shapeField) || shapeField.ValueKind != JsonValueKind.Array ||
                shapeField.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var x) || x < 1))
                throw Bad(QuantStateSuffix, "has no 'shape' list of positive sizes");
            var shape = shapeField.EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var elements = shape.Aggregate(1L, (a, b) => a * b);
            var blocks = (elements + blocksize - 1) / blocksize;

            var packed = Require("");
            if (packed.dtype != ScalarType.Byte || !packed.shape.SequenceEqual([(elements + 1) / 2, 1]))
                throw Bad("", $"is {packed.dtype} {Shape(packed.shape)}; a 4-bit {Shape(shape)} weight packs into uint8 [{(elements + 1) / 2}, 1]");
            var quantMap = Require(".quant_map");
            if (quantMap.dtype != ScalarType.Float32 || !quantMap.shape.SequenceEqual([16L]))
                throw Bad(".quant_map", $"is {quantMap.dtype} {Shape(quantMap.shape)}; the NF4 code book is float32 [16]");
            var absmax = Require(".absmax");
            var nestedAbsmax = Optional(".nested_absmax");
            var nestedMap = Optional(".nested_quant_map");
            if (nestedAbsmax is null != nestedMap is null)
                throw Bad(nestedAbsmax is null ? ".nested_absmax" : ".nested_quant_map", "is missing (double quantization needs both nested tensors)");
            if (nestedAbsmax is null)
            {
                if (absmax.dtype != ScalarType.Float32 || !absmax.shape.SequenceEqual([blocks]))
                    throw Bad(".absmax", $"is {absmax.dtype} {Shape(absmax.shape)}; blocksize {blocksize} over {elements} values needs float32 [{blocks}]");
                return new Nf4Weight(packed, absmax, quantMap, blocksize, shape, dtype);
            }
            var nestedBlocksize = Int("nested_blocksize");
            if (nestedBlocksize < 1) throw Bad(QuantStateSuffix, $"has nested_blocksize {nestedBlocksize}");
            if (Text("nested_dtype") != "float32") throw Bad(QuantStateSuffix, $"has nested_dtype '{Text("nested_dtype")}'; expected float32");
            if (!fields.TryGetValue("nested_offset", out var offsetField) || offsetField.ValueKind != JsonValueKind.Number)
                throw Bad(QuantStateSuffix, "has no number 'nested_offset'");
            var nestedBlocks = (blocks + nestedBlocksize - 1) / nestedBlocksize;
            if (absmax.dtype != ScalarType.Byte || !absmax.shape.SequenceEqual([blocks]))
                throw Bad(".absmax", $"is {absmax.dtype} {Shape(absmax.shape)}; blocksize {blocksize} over {elements} values makes {blocks} blocks, whose double-quantized absmax is uint8 [{blocks}]");
            if (nestedAbsmax.dtype != ScalarType.Float32 || !nestedAbsmax.shape.SequenceEqual([nestedBlocks]))
                throw Bad(".nested_absmax", $"is {nestedAbsmax.dtype} {Shape(nestedAbsmax.shape)}; nested_blocksize {nestedBlocksize} over {blocks} values needs float32 [{nestedBlocks}]");
            if (nestedMap!.dtype != ScalarType.Float32 || !nestedMap.shape.SequenceEqual([256L]))
                throw Bad(".nested_quant_map", $"is {nestedMap.dtype} {Shape(nestedMap.shape)}; the 8-bit code book is float32 [256]");
            return new Nf4Weight(packed, absmax, quantMap, blocksize, shape, dtype, nestedAbsmax, nestedMap, nestedBlocksize,
                (float)offsetField.GetDouble());
        }
        catch
        {
            foreach (var t in owned) t.Dispose();
            throw;
        }
    }

    // The JSON bytes are read on the host: a model loaded onto a GPU reads the quant state onto it like every other
    // companion, and TorchSharp reads no tensor's bytes from device memory.
    private static Dictionary<string, JsonElement> ParseState(Tensor state, Func<CheckpointException> bad)
    {
        try
        {
            using var host = state.device_type == TorchSharp.DeviceType.CPU ? null : state.cpu();
            using var document = JsonDocument.Parse((host ?? state).bytes.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw bad();
            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            throw bad();
        }
    }

    // Python's repr of a float: shortest round-trip digits, exponent as e-05, and always a '.0' or exponent.
    private static string PythonFloat(float value)
    {
        var d = (double)value;
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E'))
        {
            var parts = text.Split('E');
            var exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{parts[0]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        return text.Contains('.') ? text : text + ".0";
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
