using LoraPipeline.Configuration;

namespace LoraPipeline.Lora;

/// <summary>
/// The hyperparameters every injected layer shares: rank, alpha, dropout and the scaling rule.
/// <see cref="Scale"/> is <c>alpha / r</c>, or <c>alpha / sqrt(r)</c> with rank-stabilised LoRA (rsLoRA).
/// </summary>
/// <param name="Rank">Rank r (at least 1).</param>
/// <param name="Alpha">Scale numerator alpha (positive).</param>
/// <param name="Dropout">Dropout probability on the adapter input, in [0, 1).</param>
/// <param name="UseRslora">Scale by <c>alpha / sqrt(r)</c> instead of <c>alpha / r</c>.</param>
internal sealed record LoraSettings(int Rank, double Alpha, double Dropout, bool UseRslora)
{
    /// <summary>The factor applied to <c>B(A(x))</c>.</summary>
    public double Scale => UseRslora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>The settings of the <c>lora</c> config section.</summary>
    public static LoraSettings From(LoraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LoraSettings(options.R, options.Alpha, options.Dropout, options.UseRslora);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA rank r must be at least 1, got {Rank}");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"LoRA alpha must be positive and finite, got {Alpha}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LoRA dropout must be in [0, 1), got {Dropout}");
    }
}
