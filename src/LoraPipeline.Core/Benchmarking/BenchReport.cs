using System.Globalization;
using System.Text.Json;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Prints and writes the inference benchmark: table, <c>bench.json</c>, <c>latency-throughput.png</c>, and the
/// use-case verdicts of each series (base, or base + adapter unmerged and merged).
/// </summary>
internal static class BenchReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The use cases whose targets some measured point meets, with the best such point.</summary>
    public static IReadOnlyList<(UseCaseTarget Target, BenchPoint? Best)> Verdicts(IReadOnlyList<BenchPoint> points) =>
        UseCaseTargets.All
            .Select(t => (t, points.Where(t.IsMetBy).OrderByDescending(p => p.TokensPerSecond).FirstOrDefault()))
            .ToList();

    /// <summary>Writes one table over all series and each series' verdicts to <paramref name="console"/>.</summary>
    public static void Print(IAnsiConsole console, IReadOnlyList<BenchSeries> series)
    {
        var table = new Table().AddColumns("variant", "prompt", "batch", "new tokens", "first token ms", "per-token ms", "tokens/s");
        foreach (var s in series)
            foreach (var p in s.Points)
                table.AddRow(s.Name, Cell(p.PromptLength), Cell(p.BatchSize), Cell(p.NewTokens), Cell(p.FirstTokenMilliseconds, "0.0"),
                    Cell(p.TokenMilliseconds, "0.00"), Cell(p.TokensPerSecond, "0.0"));
        console.Write(table);
        console.WriteLine("tokens/s counts generated tokens of all sequences (prompt tokens excluded), prefill time included");
        foreach (var s in series)
            foreach (var (target, best) in Verdicts(s.Points))
                console.WriteLine(best is null
                    ? $"{s.Name}: {target.Name} ({target.Describe()}): not met by any measured setting"
                    : $"{s.Name}: {target.Name} ({target.Describe()}): met, best at batch {best.BatchSize}, prompt {best.PromptLength} ({best.TokensPerSecond:0.0} tokens/s)");
    }

    /// <summary>Writes <c>bench.json</c> (one entry per series, with its points and verdicts) and
    /// <c>latency-throughput.png</c> into <paramref name="directory"/> atomically.</summary>
    public static void Write(string directory, string model, string? adapter, IReadOnlyList<BenchSeries> series, string device)
    {
        var document = new
        {
            Model = model,
            Adapter = adapter,
            Device = device,
            TokensPerSecondCounts = "generated tokens of all sequences, prefill time included; prompt tokens excluded",
            Series = series.Select(s => new
            {
                s.Name,
                s.Points,
                UseCases = Verdicts(s.Points).Select(v => new
                {
                    v.Target.Name,
                    Requirement = v.Target.Describe(),
                    Met = v.Best is not null,
                    BestBatchSize = v.Best?.BatchSize,
                    BestPromptLength = v.Best?.PromptLength,
                }),
            }),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "bench.json"), JsonSerializer.Serialize(document, Json) + "\n");
        AtomicFile.WriteAllBytes(Path.Combine(directory, "latency-throughput.png"), LatencyChart.Png(series, $"{model} on {device}"));
    }

    private static string Cell(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
}
