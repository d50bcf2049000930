using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>
/// The <c>sweep</c> section: the Sweep stage's grid of short training runs (the whitepaper's "different learning rates
/// and optimizers at low maximum step values"). An empty list keeps the <c>train</c>/<c>lora</c> value.
/// </summary>
internal sealed class SweepOptions
{
    /// <summary>Peak learning rates to try.</summary>
    [Description("peak learning rates to try (empty: train.lr)")]
    public List<double> Lr { get; set; } = [];

    /// <summary>Optimizers to try.</summary>
    [Description("optimizers to try: adamw, adam, sgd (empty: train.optimizer)")]
    public List<OptimizerKind> Optimizer { get; set; } = [];

    /// <summary>LoRA ranks to try.</summary>
    [Description("LoRA ranks to try (empty: lora.r)")]
    public List<int> LoraR { get; set; } = [];

    /// <summary>LoRA alphas to try.</summary>
    [Description("LoRA alphas to try (empty: lora.alpha)")]
    public List<double> LoraAlpha { get; set; } = [];

    /// <summary>Optimizer steps per trial; null keeps <c>train.max_steps</c>.</summary>
    [Description("optimizer steps per trial (empty: train.max_steps); the schedule and warm-up run over these steps"), Range(1, 10_000_000)]
    public int? MaxSteps { get; set; }

    /// <summary>Validate every this many steps in a trial; null: a tenth of the trial's steps (at least 1).</summary>
    [Description("validate every N steps in a trial (empty: a tenth of the trial's steps, at least 1)"), Range(1, 10_000_000)]
    public int? ValCheckInterval { get; set; }

    /// <summary>Trials drawn from the grid (seeded by <c>train.seed</c>); 0 runs the full grid.</summary>
    [Description("trials drawn at random (seeded by train.seed) from the grid; 0 = the full grid"), Range(0, 1_000_000)]
    public int Samples { get; set; }
}
