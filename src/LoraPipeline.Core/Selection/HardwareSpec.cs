using System.Globalization;

namespace LoraPipeline.Selection;

/// <summary>Some GPUs of one kind: <c>2xH200</c>, <c>1xA100-80GB</c>, <c>this-machine</c>.</summary>
/// <param name="Count">How many.</param>
/// <param name="Gpu">Which.</param>
internal sealed record HardwareSpec(int Count, GpuProfile Gpu)
{
    /// <summary>The name the user gave back (<c>2xH200</c>).</summary>
    public override string ToString() => Gpu.IsGpu ? $"{Count}x{Gpu.Name}" : Gpu.Name;

    /// <summary>
    /// Reads <paramref name="text"/> (<c>COUNTxGPU</c> or <c>GPU</c> for one; <c>this-machine</c> measures this
    /// machine with <paramref name="thisMachine"/>); <paramref name="option"/> names the input in errors.
    /// </summary>
    public static HardwareSpec Parse(string text, Catalogue catalogue, Func<GpuProfile> thisMachine, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(thisMachine);
        var trimmed = text.Trim();
        if (string.Equals(trimmed, "this-machine", StringComparison.OrdinalIgnoreCase)) return new HardwareSpec(1, thisMachine());
        var x = trimmed.IndexOfAny(['x', 'X', '×']);
        var count = 1;
        var name = trimmed;
        if (x > 0 && int.TryParse(trimmed[..x], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            count = n;
            name = trimmed[(x + 1)..];
        }
        if (count is < 1 or > 64) throw new SelectionException($"{option}: '{text}': the GPU count must be 1 to 64");
        try
        {
            return new HardwareSpec(count, catalogue.Gpu(name));
        }
        catch (SelectionException e)
        {
            throw new SelectionException($"{option}: {e.Message} (write e.g. 2xH200)", e);
        }
    }
}
