using System.Globalization;

namespace LoraPipeline.Selection;

/// <summary>
/// The roofline for Llama 2 70B on 8 × H200 set beside the whitepaper's MLPerf Inference figure (34,864 generated
/// tokens/s, offline scenario), under the assumptions a submission runs with: fp8 weights and KV cache
/// (TensorRT-LLM), no latency bound, the largest batch that fits, prompts and answers of about 300 tokens.
/// </summary>
internal static class MlperfComparison
{
    /// <summary>The whitepaper's figure: MLPerf Inference, Llama 2 70B, offline, 8 × H200.</summary>
    public const double MlperfTokensPerSecond = 34_864;

    /// <summary>The best estimated configuration for each precision (fp8 as submitted, bf16 for contrast).</summary>
    public static IReadOnlyList<(ServingPrecision Precision, ServingPoint Point)> Estimate(Catalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var model = catalogue.Models.Single(m => m.Name == "llama-2-70b");
        var hardware = new HardwareSpec(8, catalogue.Gpu("H200"));
        return new[] { ServingPrecision.Fp8, ServingPrecision.Bf16 }
            .Select(p => (p, ServingEstimator.All(model, hardware, new ServingWorkload(300, 300, p)).MaxBy(x => x.TokensPerSecond)!))
            .ToList();
    }

    /// <summary>Prints the comparison with its assumptions.</summary>
    public static void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine("Llama 2 70B on 8 x H200, offline (no latency bound), prompt 300 + answer 300 tokens (assumed, near MLPerf's OpenOrca averages):");
        foreach (var (precision, p) in Estimate(Catalogue.Load()))
            output.WriteLine(string.Create(inv,
                $"  {precision.ToString().ToLowerInvariant()}: TP {p.TensorParallel} x {p.Replicas} replicas, batch {p.Batch} per replica: {p.TokensPerSecond:0} tokens/s " +
                $"({p.Bound}-bound, {p.TokenMilliseconds:0.0} ms/step); MLPerf {MlperfTokensPerSecond:0}: estimate / MLPerf = {p.TokensPerSecond / MlperfTokensPerSecond:0.00}"));
        output.WriteLine("  assumptions to approach MLPerf: fp8 weights and KV cache (TensorRT-LLM), one model copy per GPU, batches of hundreds of sequences,");
        output.WriteLine("  in-flight batching (our estimate runs each batch's prefill before its decoding instead of overlapping them), 60 % of the fp8 peak in large products.");
    }
}
