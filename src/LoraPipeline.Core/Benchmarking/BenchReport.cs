using System.Globalization;
using System.Text.Json;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Benchmarking;

/// <summary>Prints and writes the inference benchmark: table, <c>bench.json</c>, <c>latency-throughput.png</c>, use-case verdicts.</summary>
public static class BenchReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The use cases whose targets some measured point meets, with the best such point.</summary>
    public static IReadOnlyList<(UseCaseTarget Target, BenchPoint? Best)> Verdicts(IReadOnlyList<BenchPoint> points) =>
        UseCaseTargets.All
            .Select(t => (t, points.Where(t.IsMetBy).OrderByDescending(p => p.TokensPerSecond).FirstOrDefault()))
            .ToList();

    /// <summary>Writes the table and the verdicts to <paramref name="console"/>.</summary>
    public static void Print(IAnsiConsole console, IReadOnlyList<BenchPoint> points)
    {
        var table = new Table().AddColumns("prompt", "batch", "new tokens", "first token ms", "per-token ms", "tokens/s");
        foreach (var p in points)
            table.AddRow(Cell(p.PromptLength), Cell(p.BatchSize), Cell(p.NewTokens), Cell(p.FirstTokenMilliseconds, "0.0"),
                Cell(p.TokenMilliseconds, "0.00"), Cell(p.TokensPerSecond, "0.0"));
        console.Write(table);
        console.WriteLine("tokens/s counts generated tokens of all sequences (prompt tokens excluded), prefill time included");
        foreach (var (target, best) in Verdicts(points))
            console.WriteLine(best is null
                ? $"{target.Name} ({target.Describe()}): not met by any measured setting"
                : $"{target.Name} ({target.Describe()}): met, best at batch {best.BatchSize}, prompt {best.PromptLength} ({best.TokensPerSecond:0.0} tokens/s)");
    }

    /// <summary>Writes <c>bench.json</c> and <c>latency-throughput.png</c> into <paramref name="directory"/> atomically.</summary>
    public static void Write(string directory, string model, IReadOnlyList<BenchPoint> points, string device)
    {
        var document = new
        {
            Model = model,
            Device = device,
            TokensPerSecondCounts = "generated tokens of all sequences, prefill time included; prompt tokens excluded",
            Points = points,
            UseCases = Verdicts(points).Select(v => new
            {
                v.Target.Name,
                Requirement = v.Target.Describe(),
                Met = v.Best is not null,
                BestBatchSize = v.Best?.BatchSize,
                BestPromptLength = v.Best?.PromptLength,
            }),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "bench.json"), JsonSerializer.Serialize(document, Json) + "\n");
        AtomicFile.WriteAllBytes(Path.Combine(directory, "latency-throughput.png"), LatencyChart.Png(points, $"{model} on {device}"));
    }

    private static string Cell(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
}
