using LoraPipeline.Lora;
using LoraPipeline.Modeling;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Runs the inference benchmark over the variants of one model: the base alone when there is no adapter; otherwise
/// base + adapter unmerged, then (when asked) the same adapter merged into the weights, in the same process, so
/// the two are measured side by side. The adapter is left unmerged afterwards.
/// </summary>
internal static class AdapterVariants
{
    /// <summary>
    /// Measures <paramref name="model"/> (in eval mode) over <paramref name="grid"/>: one series per variant.
    /// <paramref name="progress"/> gets each point with its series name.
    /// </summary>
    public static IReadOnlyList<BenchSeries> Run(LlamaForCausalLM model, LoadedAdapter? loaded, bool merged, BenchGrid grid,
        Action<string, BenchPoint>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.eval();
        if (loaded is null)
            return [new BenchSeries(BenchSeries.Base, InferenceBenchmark.Run(model, grid, p => progress?.Invoke(BenchSeries.Base, p)))];
        // P-tuning has nothing to merge: its one variant is the base with the virtual tokens before every prompt.
        if (loaded.Lora is not { } adapter)
            return [new BenchSeries(BenchSeries.Unmerged, InferenceBenchmark.Run(model, grid, p => progress?.Invoke(BenchSeries.Unmerged, p)))];
        adapter.Unmerge();
        var series = new List<BenchSeries>
        {
            new(BenchSeries.Unmerged, InferenceBenchmark.Run(model, grid, p => progress?.Invoke(BenchSeries.Unmerged, p))),
        };
        if (!merged) return series;
        adapter.Merge();
        try
        {
            series.Add(new(BenchSeries.Merged, InferenceBenchmark.Run(model, grid, p => progress?.Invoke(BenchSeries.Merged, p))));
        }
        finally
        {
            adapter.Unmerge();
        }
        return series;
    }
}
