using LoraPipeline.Configuration;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// The one place that spells dtypes: the short names the config and the command line take (<c>bf16</c>, <c>f32</c>;
/// <c>bfloat16</c>, <c>float32</c> and <c>fp32</c> too), their libtorch types, and the <c>torch_dtype</c> names of
/// Hugging Face's <c>config.json</c>.
/// </summary>
internal static class DTypes
{
    /// <summary>Parses a dtype name; a <see cref="FormatException"/> names <paramref name="option"/> and the accepted values.</summary>
    public static DType Parse(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => DType.Bf16,
        "f32" or "float32" or "fp32" => DType.F32,
        _ => throw new FormatException($"{option}: '{text}' is not supported; use bf16 or f32"),
    };

    /// <summary>The libtorch type of <paramref name="dtype"/>.</summary>
    public static ScalarType ToScalarType(this DType dtype) => dtype == DType.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>The short name (<c>bf16</c> or <c>f32</c>) of a compute type.</summary>
    public static string ShortName(ScalarType type) => type == ScalarType.BFloat16 ? "bf16" : "f32";

    /// <summary>The short name of <paramref name="dtype"/>.</summary>
    public static string ShortName(this DType dtype) => dtype == DType.Bf16 ? "bf16" : "f32";

    /// <summary>The <see cref="DType"/> of a compute type (anything but bfloat16 is float32).</summary>
    public static DType FromScalarType(ScalarType type) => type == ScalarType.BFloat16 ? DType.Bf16 : DType.F32;

    /// <summary>The <c>torch_dtype</c> name of <paramref name="type"/> in <c>config.json</c>.</summary>
    public static string TorchDtypeName(ScalarType type) => type switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };

    /// <summary>The type a <c>config.json</c> <c>torch_dtype</c> names; float32 when absent or unknown.</summary>
    public static ScalarType FromTorchDtypeName(string? name) => name switch
    {
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => ScalarType.Float32,
    };
}
