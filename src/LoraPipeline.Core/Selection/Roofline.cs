using LoraPipeline.Sizing;

namespace LoraPipeline.Selection;

/// <summary>
/// Serving time from a roofline: each step reads the weights and the KV cache once and does 2 FLOPs per active
/// parameter and token plus attention; the slower of the two over the device's achieved bandwidth and peak, plus the
/// tensor-parallel all-reduces and a fixed overhead per layer and step (<see cref="RooflineAssumptions"/>).
/// </summary>
internal static class Roofline
{
    /// <summary>One decoding step of <paramref name="batch"/> sequences each attending to <paramref name="context"/> positions.</summary>
    public static RooflineStep Decode(CatalogueModel model, GpuProfile gpu, int tensorParallel, int batch, int context, ServingPrecision precision)
    {
        var c = model.Config;
        var e = precision.Bytes();
        var weights = model.ParametersReadFor(batch) * e;
        var kv = (double)batch * context * InferenceEstimate.KvBytes(c, e);
        var flops = batch * (2.0 * model.ActiveParameters + AttentionFlopsPerToken(model, context));
        var step = Step(model, gpu, tensorParallel, batch, weights + kv, flops, (double)batch * c.HiddenSize * e, precision);
        if (gpu.At(batch).BandwidthByInFeatures is null) return step;
        // Measured by width: down_proj streams rows intermediate_size wide, every other weight rows hidden_size wide.
        var calibration = gpu.At(batch);
        var down = (double)c.NumHiddenLayers * c.HiddenSize * c.IntermediateSize * e;
        var memory = (down / calibration.BandwidthFor(c.IntermediateSize) + (weights - down) / calibration.BandwidthFor(c.HiddenSize) +
                      kv / calibration.BandwidthBytesPerSecond) / tensorParallel / gpu.MemoryEfficiency;
        return step with { MemorySeconds = memory };
    }

    /// <summary>The prompt pass of <paramref name="batch"/> sequences of <paramref name="promptTokens"/> tokens (time to first token).</summary>
    public static RooflineStep Prefill(CatalogueModel model, GpuProfile gpu, int tensorParallel, int batch, int promptTokens, ServingPrecision precision)
    {
        var c = model.Config;
        var e = precision.Bytes();
        long tokens = (long)batch * promptTokens;
        var bytes = model.ParametersReadFor(tokens) * e + (double)tokens * InferenceEstimate.KvBytes(c, e);
        // Causal attention: the i-th prompt token attends to i positions, half of P² in all.
        var flops = tokens * 2.0 * model.ActiveParameters + batch * AttentionFlopsPerToken(model, promptTokens) * promptTokens / 2.0;
        return Step(model, gpu, tensorParallel, batch, bytes, flops, (double)tokens * c.HiddenSize * e, precision);
    }

    /// <summary>Attention FLOPs of one token against <paramref name="context"/> positions: scores and weighted sum, 2 × 2 × H × d each.</summary>
    public static double AttentionFlopsPerToken(CatalogueModel model, int context) =>
        4.0 * model.Config.NumHiddenLayers * model.Config.NumAttentionHeads * model.Config.HeadDim * context;

    private static RooflineStep Step(CatalogueModel model, GpuProfile gpu, int tp, int batch, double bytes, double flops, double allReduceBytes, ServingPrecision precision)
    {
        var calibration = gpu.At(batch);
        var peak = gpu.PeakFlops(precision) ?? throw new SelectionException($"{gpu.Name} has no {precision.ToString().ToLowerInvariant()} tensor cores; serve in bf16");
        var layers = model.Config.NumHiddenLayers;
        var communication = tp == 1
            ? 0
            : 2.0 * layers * (RooflineAssumptions.AllReduceLatencySeconds + 2.0 * (tp - 1) / tp * allReduceBytes / gpu.LinkBytesPerSecond);
        return new RooflineStep(
            bytes / tp / (calibration.BandwidthBytesPerSecond * gpu.MemoryEfficiency),
            flops / tp / (peak * gpu.ComputeEfficiency),
            communication,
            layers * calibration.LayerOverheadSeconds + calibration.StepOverheadSeconds);
    }
}
