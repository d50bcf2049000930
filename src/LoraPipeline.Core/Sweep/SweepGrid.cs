using System.Globalization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Sweep;

/// <summary>The trials of a <c>sweep</c> section: the full grid in a fixed order, or a seeded random sample of it.</summary>
internal static class SweepGrid
{
    /// <summary>Every trial the config asks for; throws <see cref="ConfigException"/> when the section lists nothing to vary.</summary>
    public static IReadOnlyList<SweepPoint> Points(PipelineConfig config)
    {
        var s = config.Sweep;
        var inv = CultureInfo.InvariantCulture;
        var axes = new List<(string SweepKey, string Key, List<string> Values)>
        {
            ("sweep.lr", "train.lr", s.Lr.Select(v => v.ToString("R", inv)).ToList()),
            ("sweep.optimizer", "train.optimizer", s.Optimizer.Select(ConfigNaming.EnumName).ToList()),
            ("sweep.lora_r", "lora.r", s.LoraR.Select(v => v.ToString(inv)).ToList()),
            ("sweep.lora_alpha", "lora.alpha", s.LoraAlpha.Select(v => v.ToString("R", inv)).ToList()),
        };
        foreach (var (sweepKey, _, values) in axes)
            if (values.Distinct().Count() != values.Count)
                throw config.Problem(sweepKey, $"lists a value twice: [{string.Join(", ", values)}]");
        var varied = axes.Where(a => a.Values.Count > 0).Select(a => (a.Key, a.Values)).ToList();
        if (varied.Count == 0)
            throw config.Problem("sweep.lr", "the sweep varies nothing: list values in sweep.lr, sweep.optimizer, sweep.lora_r or sweep.lora_alpha");
        IEnumerable<List<KeyValuePair<string, string>>> grid = [[]];
        foreach (var (key, values) in varied)
            grid = grid.SelectMany(point => values.Select(v => (List<KeyValuePair<string, string>>)[.. point, KeyValuePair.Create(key, v)])).ToList();
        var points = grid.Select(p => new SweepPoint(p)).ToList();
        if (s.Samples == 0 || s.Samples >= points.Count) return points;
        // A seeded draw without replacement, kept in grid order so reports read the same way as the full grid.
        var random = new Random(config.Train.Seed);
        return points.Select((p, i) => (p, i, key: random.Next())).OrderBy(x => x.key).Take(s.Samples)
            .OrderBy(x => x.i).Select(x => x.p).ToList();
    }
}
