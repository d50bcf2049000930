using LoraPipeline.Pipeline;

namespace LoraPipeline.Training;

/// <summary>The training and validation loss curves as a PNG (ScottPlot, headless).</summary>
internal static class LossCurvePlot
{
    /// <summary>Renders <paramref name="metrics"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<StepMetrics> metrics, string title)
    {
        var plot = new ScottPlot.Plot();
        var train = metrics.Where(m => m.Loss is not null).ToList();
        var valid = metrics.Where(m => m.ValidationLoss is not null).ToList();
        if (train.Count > 0)
        {
            var line = plot.Add.ScatterLine(train.Select(m => (double)m.Step).ToArray(), train.Select(m => m.Loss!.Value).ToArray());
            line.LegendText = "train loss";
            line.LineWidth = 1;
        }
        if (valid.Count > 0)
        {
            var line = plot.Add.Scatter(valid.Select(m => (double)m.Step).ToArray(), valid.Select(m => m.ValidationLoss!.Value).ToArray());
            line.LegendText = "validation loss";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel("loss (nats per answer token)");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png));
    }
}
