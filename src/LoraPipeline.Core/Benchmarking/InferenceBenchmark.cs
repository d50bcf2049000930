using System.Diagnostics;
using LoraPipeline.Modeling;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Measures greedy generation with the KV cache for each batch size and prompt length of a <see cref="BenchGrid"/>:
/// random prompt ids (eos ignored), one untimed warm-up run per setting, then one timed run.
/// </summary>
internal static class InferenceBenchmark
{
    /// <summary>Runs the grid on <paramref name="model"/>; <paramref name="progress"/> gets each point as it is measured.</summary>
    public static IReadOnlyList<BenchPoint> Run(LlamaForCausalLM model, BenchGrid grid, Action<BenchPoint>? progress = null, int seed = 7)
    {
        grid.Validate();
        var random = new Random(seed);
        var points = new List<BenchPoint>();
        foreach (var prompt in grid.PromptLengths)
            foreach (var batch in grid.BatchSizes)
            {
                var prompts = Enumerable.Range(0, batch)
                    .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, prompt).Select(_ => random.Next(model.Config.VocabSize)).ToArray())
                    .ToList();
                Time(model, prompts, 2); // warm-up: allocations and kernels for this shape
                var point = Time(model, prompts, grid.NewTokens);
                points.Add(point);
                progress?.Invoke(point);
            }
        return points;
    }

    private static BenchPoint Time(LlamaForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, int newTokens)
    {
        var options = new SamplingOptions { MaxNewTokens = newTokens, EosTokenIds = [], UseCache = true };
        var stamps = new List<double>(newTokens);
        var clock = Stopwatch.StartNew();
        TokenGenerator.Generate(model, prompts, options, _ => stamps.Add(clock.Elapsed.TotalMilliseconds));
        var total = stamps[^1];
        var perToken = stamps.Count > 1 ? (total - stamps[0]) / (stamps.Count - 1) : stamps[0];
        return new BenchPoint(prompts.Count, prompts[0].Count, stamps.Count, stamps[0], perToken,
            prompts.Count * stamps.Count / (total / 1000.0));
    }
}
