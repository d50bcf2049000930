using System.Globalization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Sweep;

/// <summary>One point of the sweep grid: the keys it sets, in a fixed order (<c>train.lr</c>, <c>train.optimizer</c>,
/// <c>lora.r</c>, <c>lora.alpha</c>), as the text a <c>--set</c> would take.</summary>
/// <param name="Overrides">Dotted key to value.</param>
internal sealed record SweepPoint(IReadOnlyList<KeyValuePair<string, string>> Overrides)
{
    /// <summary>Keys a trial may set.</summary>
    public static readonly string[] Keys = ["train.lr", "train.optimizer", "lora.r", "lora.alpha"];

    /// <summary>The overrides as <c>key=value</c> pairs for messages.</summary>
    public override string ToString() => string.Join(" ", Overrides.Select(o => $"{o.Key}={o.Value}"));

    /// <summary>Sets the overrides on <paramref name="config"/>.</summary>
    public void ApplyTo(PipelineConfig config)
    {
        foreach (var (key, value) in Overrides) Apply(config, key, value);
    }

    /// <summary>Sets one sweep key on <paramref name="config"/>; throws <see cref="FormatException"/> for a value it cannot read.</summary>
    public static void Apply(PipelineConfig config, string key, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (key)
        {
            case "train.lr": config.Train.Lr = double.Parse(value, inv); break;
            case "train.optimizer":
                config.Train.Optimizer = (OptimizerKind?)ConfigNaming.ParseEnum(typeof(OptimizerKind), value)
                    ?? throw new FormatException($"'{value}' is not an optimizer; use {ConfigNaming.EnumNames<OptimizerKind>()}");
                break;
            case "lora.r": config.Lora.R = int.Parse(value, inv); break;
            case "lora.alpha": config.Lora.Alpha = double.Parse(value, inv); break;
            default: throw new FormatException($"'{key}' is not a sweep key; sweeps set {string.Join(", ", Keys)}");
        }
    }
}

/// <summary>A finished trial as <c>trial.json</c> and <c>report.json</c> record it.</summary>
/// <param name="Id">The trial's folder name: the start of its fingerprint.</param>
/// <param name="Fingerprint">The Train fingerprint of the trial's config (plus the divergence stop).</param>
/// <param name="Overrides">What the trial sets.</param>
/// <param name="Status"><c>ok</c> or <c>diverged</c>.</param>
/// <param name="Reason">Why it diverged, else null.</param>
/// <param name="InitialValidationLoss">Validation loss at step 0.</param>
/// <param name="BestValidationLoss">Its lowest finite validation loss.</param>
/// <param name="BestStep">The step of <paramref name="BestValidationLoss"/>.</param>
/// <param name="Steps">Steps run.</param>
/// <param name="ValidationLosses">Validation loss per validated step, in step order (null where it was not finite).</param>
/// <param name="Seconds">Wall time of the trial when it ran.</param>
internal sealed record TrialResult(string Id, string Fingerprint, Dictionary<string, string> Overrides, string Status, string? Reason,
    double InitialValidationLoss, double BestValidationLoss, int BestStep, int Steps, IReadOnlyList<ValidationPoint> ValidationLosses, double Seconds);

/// <summary>One validation of a trial.</summary>
/// <param name="Step">Optimizer step (0 = before training).</param>
/// <param name="Loss">Validation loss, null when it was not finite (NaN or infinite).</param>
internal sealed record ValidationPoint(int Step, double? Loss);
