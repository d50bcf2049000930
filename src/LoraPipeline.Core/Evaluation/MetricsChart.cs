namespace LoraPipeline.Evaluation;

/// <summary>A grouped bar chart of base vs adapter metrics (0–100 scale metrics only), as a PNG.</summary>
internal static class MetricsChart
{
    /// <summary>Metrics drawn, in order.</summary>
    public static readonly string[] Drawn = ["exact_match", "token_f1", "rouge_l", "refusal_accuracy", "grounding_rate"];

    /// <summary>Renders the chart to <paramref name="path"/> (written beside, then renamed).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, double> baseModel, IReadOnlyDictionary<string, double> adapter)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<ScottPlot.Bar>();
        for (var i = 0; i < Drawn.Length; i++)
        {
            bars.Add(new ScottPlot.Bar { Position = i * 3, Value = Finite(baseModel, Drawn[i]), FillColor = palette.GetColor(0) });
            bars.Add(new ScottPlot.Bar { Position = i * 3 + 1, Value = Finite(adapter, Drawn[i]), FillColor = palette.GetColor(1) });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Drawn.Select((_, i) => i * 3 + 0.5).ToArray(), Drawn);
        plot.Axes.SetLimitsY(0, 100);
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "base", FillColor = palette.GetColor(0) });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "base + adapter", FillColor = palette.GetColor(1) });
        plot.ShowLegend();
        plot.Title("Holdout metrics (0-100)");
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.png");
        plot.SavePng(temp, 900, 450);
        File.Move(temp, path, overwrite: true);
    }

    private static double Finite(IReadOnlyDictionary<string, double> metrics, string name) =>
        metrics.TryGetValue(name, out var v) && double.IsFinite(v) ? v : 0;
}
