namespace LoraPipeline.Benchmarking;

/// <summary>The measured points of one model variant (base, base + adapter unmerged, or merged).</summary>
/// <param name="Name">The variant, as printed and plotted.</param>
/// <param name="Points">Its points, by prompt length then batch size.</param>
internal sealed record BenchSeries(string Name, IReadOnlyList<BenchPoint> Points)
{
    /// <summary>Name of the series of a model without adapter.</summary>
    public const string Base = "base";

    /// <summary>Name of the series of base + adapter with the adapter path run beside each projection.</summary>
    public const string Unmerged = "adapter unmerged";

    /// <summary>Name of the series of base + adapter folded into the weights (<c>LoraAdapter.Merge</c>).</summary>
    public const string Merged = "adapter merged";
}
