using LoraPipeline.Torch;
using Spectre.Console;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// The Benchmark stage: <c>benchmark/bench.json</c> and <c>benchmark/latency-throughput.png</c> for the converted
/// base model with the Train stage's adapter (<c>train/adapter</c>), unmerged and merged in the same run, on the CPU
/// in <c>train.precision</c>, over the <c>bench</c> section's grid (small by default; <c>lora bench infer</c>
/// defaults to the full grid).
/// </summary>
internal sealed class BenchmarkStage : IStage
{

    /// <inheritdoc />
    public string Name => "benchmark";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert", "train"];

    /// <inheritdoc />
    public bool UsesTorch => true;

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Train.Precision, config.Bench };

    /// <summary>The grid the <c>bench</c> section describes.</summary>
    public static BenchGrid Grid(PipelineConfig config) =>
        new(config.Bench.BatchSizes.ToList(), config.Bench.PromptLengths.ToList(), config.Bench.NewTokens);

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var grid = Grid(context.Config);
        try
        {
            grid.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StageException($"bench: {e.Message}", e);
        }
        var dtype = ComputeDtype.Resolve(context.Config.Train.Precision, CPU, line => context.Console.MarkupLineInterpolated($"benchmark: {line}"));
        var adapterDirectory = Path.Combine(context.UpstreamDirectory("train"), "adapter");
        using var model = LlamaForCausalLM.Load(context.UpstreamDirectory("convert"), dtype, CPU);
        var adapter = LoadedAdapter.Apply(model, adapterDirectory);
        var series = AdapterVariants.Run(model, adapter, merged: true, grid,
            (name, p) => context.Console.WriteLine($"benchmark: {name}, prompt {p.PromptLength}, batch {p.BatchSize}: {p.TokenMilliseconds:0.00} ms/token"));
        BenchReport.Print(context.Console, series);
        BenchReport.Write(context.OutputDirectory, context.Config.Model.Source, "train/adapter", series, $"CPU ({get_num_threads()} threads, {dtype})");
        return Task.CompletedTask;
    }
}
