using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Sweep;

/// <summary>Writes the Sweep stage's outputs: <c>report.json</c>, <c>report.md</c>, <c>validation-loss.png</c> and <c>best.yaml</c>.</summary>
internal static class SweepReport
{
    /// <summary>The winning overrides, a config fragment that <c>train.from_sweep: true</c> applies.</summary>
    public const string BestFile = "best.yaml";

    /// <summary>The chart of validation loss per trial over steps.</summary>
    public const string ChartFile = "validation-loss.png";

    /// <summary>Trials that did not diverge by best validation loss, then the diverged ones (by theirs).</summary>
    public static IReadOnlyList<TrialResult> Rank(IEnumerable<TrialResult> trials) =>
        trials.OrderBy(t => t.Status == "ok" ? 0 : 1).ThenBy(t => t.BestValidationLoss).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();

    /// <summary>Writes every output into <paramref name="directory"/>; <paramref name="ranked"/> starts with the best trial.</summary>
    public static void Write(string directory, IReadOnlyList<TrialResult> ranked, int maxSteps, string title)
    {
        var best = ranked[0];
        var report = new
        {
            MaxSteps = maxSteps,
            Best = new { best.Id, best.Overrides, best.BestValidationLoss, best.BestStep },
            Trials = ranked.Select((t, i) => new
            {
                Rank = i + 1, t.Id, t.Overrides, t.Status, t.Reason, t.BestValidationLoss, t.BestStep, t.InitialValidationLoss, t.Steps,
                t.ValidationLosses, t.Seconds,
            }),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "report.json"), JsonSerializer.Serialize(report, ConfigJson.Options) + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, "report.md"), Markdown(ranked, maxSteps));
        AtomicFile.WriteAllText(Path.Combine(directory, BestFile), BestYaml(best, maxSteps));
        Chart(Path.Combine(directory, ChartFile), ranked, title);
    }

    private static string Markdown(IReadOnlyList<TrialResult> ranked, int maxSteps)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder("# Sweep\n\n")
            .Append(inv, $"{ranked.Count} trials of up to {maxSteps} steps, ranked by best validation loss (diverged trials last). ")
            .Append(inv, $"Best: `{ranked[0].Id}` ({Overrides(ranked[0])}), written to `{BestFile}`.\n\n")
            .Append("| rank | trial | overrides | status | best validation loss | at step | step 0 | steps | seconds |\n")
            .Append("|---:|---|---|---|---:|---:|---:|---:|---:|\n");
        for (var i = 0; i < ranked.Count; i++)
        {
            var t = ranked[i];
            var status = t.Reason is null ? t.Status : $"{t.Status}: {t.Reason}";
            md.Append(inv, $"| {i + 1} | `{t.Id}` | {Overrides(t)} | {status} | {t.BestValidationLoss:0.0000} | {t.BestStep} | {t.InitialValidationLoss:0.0000} | {t.Steps} | {t.Seconds:0.0} |\n");
        }
        return md.Append("\n![validation loss per trial](").Append(ChartFile).Append(")\n").ToString();
    }

    private static string Overrides(TrialResult t) => string.Join(" ", t.Overrides.Select(o => $"{o.Key}={o.Value}"));

    private static string BestYaml(TrialResult best, int maxSteps)
    {
        var yaml = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"# Sweep winner: trial {best.Id}, best validation loss {best.BestValidationLoss:0.0000} at step {best.BestStep} of {maxSteps}.\n")
            .Append("# train.from_sweep: true makes Train take these values.\n");
        foreach (var section in best.Overrides.GroupBy(o => o.Key.Split('.')[0]))
        {
            yaml.Append(section.Key).Append(":\n");
            foreach (var (key, value) in section) yaml.Append("  ").Append(key.Split('.')[1]).Append(": ").Append(value).Append('\n');
        }
        return yaml.ToString();
    }

    private static void Chart(string path, IReadOnlyList<TrialResult> ranked, string title)
    {
        var plot = new ScottPlot.Plot();
        foreach (var t in ranked)
        {
            var points = t.ValidationLosses.Where(v => v.Loss is not null).ToList();
            var line = plot.Add.Scatter(points.Select(v => (double)v.Step).ToArray(), points.Select(v => v.Loss!.Value).ToArray());
            line.LegendText = $"{Overrides(t)}{(t.Status == "ok" ? "" : " (diverged)")}";
            line.LineWidth = t == ranked[0] ? 3 : 1.5f;
            line.MarkerSize = 5;
            if (t.Status != "ok") line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel("validation loss (nats per answer token)");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(1000, 550, ScottPlot.ImageFormat.Png));
    }
}
