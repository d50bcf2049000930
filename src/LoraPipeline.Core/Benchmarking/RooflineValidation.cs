using LoraPipeline.Hub;
using LoraPipeline.Modeling;
using LoraPipeline.Selection;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>One model and batch: the roofline's estimate beside the inference benchmark's measurement.</summary>
/// <param name="Model">Which model.</param>
/// <param name="Batch">Sequences decoded together.</param>
/// <param name="EstimatedTokenMs">Roofline per-token latency on the measured machine profile.</param>
/// <param name="MeasuredTokenMs">Median over runs of the measured per-token latency.</param>
/// <param name="MeasuredMinTokenMs">Fastest run.</param>
/// <param name="Bound">What bounds the estimate.</param>
/// <param name="EstimatedTokensPerSecond">Roofline generated tokens/s over the batch, prefill included.</param>
/// <param name="MeasuredTokensPerSecond">The benchmark's tokens/s of the median run (prefill included, as the Benchmark stage counts).</param>
internal sealed record RooflineCheck(string Model, int Batch, double EstimatedTokenMs, double MeasuredTokenMs, double MeasuredMinTokenMs, string Bound,
    double EstimatedTokensPerSecond, double MeasuredTokensPerSecond)
{
    /// <summary>Estimate over measurement (median).</summary>
    public double Ratio => EstimatedTokenMs / MeasuredTokenMs;

    /// <summary>Estimated over measured tokens/s.</summary>
    public double ThroughputRatio => EstimatedTokensPerSecond / MeasuredTokensPerSecond;
}

/// <summary>
/// Checks the roofline for this machine: measures the machine profile (<see cref="MachineProfile"/>), then times
/// decoding of the built-in tiny model's shape and the ~125M benchmark shape (random weights, float32) with the
/// Benchmark stage's own <see cref="InferenceBenchmark"/>, and sets each beside the estimate. The calibration models
/// (hidden 64, 1 and 3 layers) are not among the checked ones.
/// </summary>
internal static class RooflineValidation
{
    /// <summary>The shapes checked: the built-in tiny Llama and the ~125M model of <c>lora bench train</c>.</summary>
    public static IReadOnlyList<(string Name, ModelConfig Config)> Shapes { get; } =
    [
        ("tiny (builtin:tiny-llama shape)", ModelConfig.FromJson(BuiltinTinyLlama.ConfigJson(), "builtin:tiny-llama")),
        ("~125M (bench train shape)", ModelConfigs.Llama(768, 12, 12, 4, 2048, 32000)),
    ];

    /// <summary>Measures the profile, then each shape at each batch size; <paramref name="runs"/> timed runs per point.</summary>
    public static (GpuProfile Profile, IReadOnlyList<RooflineCheck> Checks) Run(IReadOnlyList<int> batches, int promptTokens, int newTokens, int runs,
        Action<string>? progress = null)
    {
        var widths = Shapes.SelectMany(s => new[] { s.Config.HiddenSize, s.Config.IntermediateSize }).ToList();
        var profile = MachineProfile.Measure(ServingPrecision.F32, batches, widths);
        progress?.Invoke("machine profile measured");
        var checks = new List<RooflineCheck>();
        foreach (var (name, config) in Shapes)
        {
            using var model = LlamaForCausalLM.CreateRandom(config, 5, ScalarType.Float32, CPU);
            var candidate = new CatalogueModel(name, "", "llama", config, config.MaxPositionEmbeddings, "", false, null);
            foreach (var batch in batches)
            {
                var grid = new BenchGrid([batch], [promptTokens], newTokens);
                var measured = Enumerable.Range(0, runs).Select(_ => InferenceBenchmark.Run(model, grid)[0]).OrderBy(p => p.TokenMilliseconds).ToList();
                var step = Roofline.Decode(candidate, profile, 1, batch, promptTokens + newTokens / 2, ServingPrecision.F32);
                var prefill = Roofline.Prefill(candidate, profile, 1, batch, promptTokens, ServingPrecision.F32);
                var median = measured[measured.Count / 2];
                checks.Add(new RooflineCheck(name, batch, step.Seconds * 1000, median.TokenMilliseconds, measured[0].TokenMilliseconds, step.Bound,
                    batch * newTokens / (prefill.Seconds + (newTokens - 1) * step.Seconds), median.TokensPerSecond));
                progress?.Invoke($"{name}, batch {batch}: done");
            }
        }
        return (profile, checks);
    }
}
