using ScottPlot;

namespace LoraPipeline.Benchmarking;

/// <summary>The latency-vs-throughput chart: one line per prompt length through the batch sizes, with the
/// perception bands of <see cref="UseCaseTargets.BandsMilliseconds"/> drawn as horizontal lines.</summary>
public static class LatencyChart
{
    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<BenchPoint> points, string title, int width = 900, int height = 600)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("throughput (generated tokens/s over the batch)");
        plot.YLabel("per-token latency (ms)");
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var group in points.GroupBy(p => p.PromptLength).OrderBy(g => g.Key))
        {
            var ordered = group.OrderBy(p => p.BatchSize).ToList();
            var scatter = plot.Add.Scatter(ordered.Select(p => p.TokensPerSecond).ToArray(), ordered.Select(p => p.TokenMilliseconds).ToArray());
            scatter.Color = palette.GetColor(index++);
            scatter.LegendText = $"prompt {group.Key} tokens";
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
