using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Training;
using Spectre.Console;

namespace LoraPipeline.Sweep;

/// <summary>
/// The Sweep stage: short training runs over the <c>sweep</c> grid (learning rate, optimizer, LoRA rank/alpha), each a
/// cached sub-run of Train; writes <c>sweep/report.json</c>, <c>report.md</c>, the validation-loss chart, each trial's
/// metrics under <c>trials/&lt;id&gt;/</c> and <c>best.yaml</c>, which <c>train.from_sweep: true</c> applies.
/// </summary>
internal sealed class SweepStage : IStage
{
    /// <inheritdoc />
    public string Name => "sweep";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert", "prepare"];

    /// <inheritdoc />
    public bool UsesTorch => true;

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { Train = new TrainStage().ConfigSection(config), config.Sweep };

    /// <inheritdoc />
    public IEnumerable<string> InputFiles(StageInputs inputs) => new TrainStage().InputFiles(inputs);

    /// <inheritdoc />
    public void CheckConfig(PipelineConfig config)
    {
        var s = config.Sweep;
        if (s.Lr.Count + s.Optimizer.Count + s.LoraR.Count + s.LoraAlpha.Count == 0) return; // checked when the stage runs
        SweepGrid.Points(config);
        if (config.Train.Engine != TrainEngine.Lora)
            throw config.Problem("train.engine", "the sweep trains with our own trainer; set train.engine: lora to sweep");
    }

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var config = context.Config;
        if (config.Train.Engine != TrainEngine.Lora)
            throw new StageException("train.engine: the sweep trains with our own trainer; set train.engine: lora to sweep");
        IReadOnlyList<SweepPoint> points;
        try
        {
            points = SweepGrid.Points(config);
        }
        catch (ConfigException e)
        {
            throw new StageException(e.Message, e);
        }
        var upstream = Upstream.ToDictionary(name => name,
            name => StageManifest.TryRead(context.UpstreamDirectory(name))?.Fingerprint ?? throw new StageException($"sweep: {name} has not run"));
        var results = new List<TrialResult>();
        var trained = 0;
        for (var i = 0; i < points.Count; i++)
        {
            results.Add(TrialRunner.Run(context, points[i], upstream, $"{i + 1}/{points.Count}", out var ran, cancellationToken));
            if (ran) trained++;
        }
        var ranked = SweepReport.Rank(results);
        if (ranked[0].Status != "ok")
            throw new StageException($"sweep: every trial diverged ({string.Join("; ", ranked.Select(t => $"{string.Join(" ", t.Overrides.Select(o => $"{o.Key}={o.Value}"))}: {t.Reason}"))}); try lower sweep.lr values");
        foreach (var t in ranked)
        {
            var from = Path.Combine(TrialRunner.CacheDirectory(context.ArtifactsDirectory), t.Id);
            var to = Path.Combine(context.OutputDirectory, "trials", t.Id);
            Directory.CreateDirectory(to);
            foreach (var file in new[] { TrialRunner.TrialFile, ArtifactNames.TrainMetrics, ArtifactNames.TrainMetricsCsv })
                File.Copy(Path.Combine(from, file), Path.Combine(to, file));
        }
        var maxSteps = config.Sweep.MaxSteps ?? config.Train.MaxSteps;
        SweepReport.Write(context.OutputDirectory, ranked, maxSteps, $"Sweep: validation loss per trial ({config.Model.Source})");
        var best = ranked[0];
        context.Console.MarkupLineInterpolated(
            $"sweep: {points.Count} trials ({trained} trained, {points.Count - trained} up to date); best {best.Id} ({string.Join(" ", best.Overrides.Select(o => $"{o.Key}={o.Value}"))}) validation loss {best.BestValidationLoss:0.0000} at step {best.BestStep}");
        return Task.CompletedTask;
    }
}
