using LoraPipeline.Sizing;

namespace LoraPipeline.Selection;

/// <summary>What a use case serves: prompt and generated tokens per request, and the serving precision.</summary>
/// <param name="PromptTokens">Prompt tokens per request (question + retrieved passages).</param>
/// <param name="NewTokens">Tokens generated per request.</param>
/// <param name="Precision">Weights and KV cache precision.</param>
internal sealed record ServingWorkload(int PromptTokens, int NewTokens, ServingPrecision Precision)
{
    /// <summary>Context each sequence holds at the end: prompt + generated tokens.</summary>
    public int ContextLength => PromptTokens + NewTokens;
}

/// <summary>Estimates every production configuration of a model on some GPUs: tensor-parallel degree and batch size.</summary>
internal static class ServingEstimator
{
    /// <summary>The estimate for one configuration; null when the weights do not fit.</summary>
    public static ServingPoint? Estimate(CatalogueModel model, HardwareSpec hardware, int tensorParallel, int batch, ServingWorkload workload)
    {
        var maxBatch = MaxBatch(model, hardware.Gpu, tensorParallel, workload);
        if (maxBatch < batch) return null;
        // Decoding attends to the prompt plus half the answer on average.
        var step = Roofline.Decode(model, hardware.Gpu, tensorParallel, batch, workload.PromptTokens + workload.NewTokens / 2, workload.Precision);
        var prefill = Roofline.Prefill(model, hardware.Gpu, tensorParallel, batch, workload.PromptTokens, workload.Precision);
        var replicas = hardware.Count / tensorParallel;
        var request = prefill.Seconds + (workload.NewTokens - 1) * step.Seconds;
        return new ServingPoint(replicas * tensorParallel, tensorParallel, replicas, batch, step.Seconds * 1000, prefill.Seconds * 1000,
            replicas * batch * workload.NewTokens / request, maxBatch, step.Bound);
    }

    /// <summary>Tensor-parallel degrees usable on <paramref name="hardware"/>: powers of two up to the GPU count that divide the KV heads.</summary>
    public static IReadOnlyList<int> Degrees(CatalogueModel model, HardwareSpec hardware) =>
        !hardware.Gpu.IsGpu ? [1]
        : new[] { 1, 2, 4, 8 }.Where(t => t <= hardware.Count && model.Config.NumKeyValueHeads % t == 0 && model.Config.NumAttentionHeads % t == 0).ToList();

    /// <summary>Every configuration that fits: each degree with batch 1, 2, 4, ... up to its largest batch.</summary>
    public static IReadOnlyList<ServingPoint> All(CatalogueModel model, HardwareSpec hardware, ServingWorkload workload)
    {
        var points = new List<ServingPoint>();
        foreach (var tp in Degrees(model, hardware))
        {
            var max = MaxBatch(model, hardware.Gpu, tp, workload);
            foreach (var batch in Batches(max))
                if (Estimate(model, hardware, tp, batch, workload) is { } point) points.Add(point);
        }
        return points;
    }

    /// <summary>
    /// Largest batch per replica of <paramref name="tensorParallel"/> GPUs at the workload's context: weights (all
    /// experts), KV cache and one prefill's workspace within <see cref="RooflineAssumptions.ServingMemoryShare"/> of
    /// each GPU (0 when the weights do not fit).
    /// </summary>
    public static int MaxBatch(CatalogueModel model, GpuProfile gpu, int tensorParallel, ServingWorkload workload)
    {
        var e = workload.Precision.Bytes();
        var estimate = new InferenceEstimate(model.TotalParameters * e, InferenceEstimate.KvBytes(model.Config, e), workload.ContextLength,
            InferenceEstimate.PrefillBytes(model.Config, e, workload.PromptTokens, workload.PromptTokens, 1));
        var capacity = (long)(gpu.MemoryBytes * (gpu.IsGpu ? RooflineAssumptions.ServingMemoryShare : 1.0));
        return Math.Min(estimate.MaxSequences(capacity, tensorParallel), 4096);
    }

    private static IEnumerable<int> Batches(int max)
    {
        for (var b = 1; b <= max; b *= 2) yield return b;
        if (max > 0 && (max & (max - 1)) != 0) yield return max;
    }
}
