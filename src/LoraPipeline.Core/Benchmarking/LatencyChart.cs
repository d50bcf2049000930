using ScottPlot;

namespace LoraPipeline.Benchmarking;

/// <summary>The latency-vs-throughput chart: one line per series and prompt length through the batch sizes (solid for
/// the first series, dashed for the next), with the
/// perception bands of <see cref="UseCaseTargets.BandsMilliseconds"/> drawn as horizontal lines.</summary>
internal static class LatencyChart
{
    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<BenchSeries> series, string title, int width = 900, int height = 600)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("throughput (generated tokens/s over the batch)");
        plot.YLabel("per-token latency (ms)");
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted];
        foreach (var (s, number) in series.Select((s, i) => (s, i)))
        foreach (var group in s.Points.GroupBy(p => p.PromptLength).OrderBy(g => g.Key))
        {
            var ordered = group.OrderBy(p => p.BatchSize).ToList();
            var scatter = plot.Add.Scatter(ordered.Select(p => p.TokensPerSecond).ToArray(), ordered.Select(p => p.TokenMilliseconds).ToArray());
            scatter.Color = palette.GetColor(index++);
            scatter.LinePattern = patterns[number % patterns.Length];
            scatter.LegendText = series.Count > 1 ? $"{s.Name}, prompt {group.Key} tokens" : $"prompt {group.Key} tokens";
            foreach (var p in ordered)
            {
                var label = plot.Add.Text($"b{p.BatchSize}", p.TokensPerSecond, p.TokenMilliseconds);
                label.LabelFontSize = 10;
            }
        }
        foreach (var band in UseCaseTargets.BandsMilliseconds)
        {
            var line = plot.Add.HorizontalLine(band);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Gray;
            line.Text = $"{band:0} ms";
        }
        var maxLatency = Math.Max(points.Max(p => p.TokenMilliseconds), UseCaseTargets.BandsMilliseconds.Max());
        plot.Axes.SetLimitsY(0, maxLatency * 1.1);
        plot.ShowLegend();
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
