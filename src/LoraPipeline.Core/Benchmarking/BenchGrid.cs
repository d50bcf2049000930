namespace LoraPipeline.Benchmarking;

/// <summary>The settings the inference benchmark measures.</summary>
/// <param name="BatchSizes">Batch sizes.</param>
/// <param name="PromptLengths">Prompt lengths in tokens.</param>
/// <param name="NewTokens">Tokens generated per sequence (at least 2).</param>
internal sealed record BenchGrid(IReadOnlyList<int> BatchSizes, IReadOnlyList<int> PromptLengths, int NewTokens)
{
    /// <summary>The whitepaper's grid: batch 1–16, prompts of 128 and 1024 tokens.</summary>
    public static BenchGrid Full { get; } = new([1, 2, 4, 8, 16], [128, 1024], 32);

    /// <summary>A small grid (the <c>bench</c> section's default): seconds for the tiny model on two cores.</summary>
    public static BenchGrid Small { get; } = new([1, 2, 4], [32, 128], 16);

    /// <summary>Throws <see cref="ArgumentException"/> for empty lists or non-positive values.</summary>
    public void Validate()
    {
        if (BatchSizes.Count == 0 || BatchSizes.Any(b => b < 1)) throw new ArgumentException("batch sizes must be positive and at least one");
        if (PromptLengths.Count == 0 || PromptLengths.Any(p => p < 1)) throw new ArgumentException("prompt lengths must be positive and at least one");
        if (NewTokens < 2) throw new ArgumentException($"new tokens must be at least 2, got {NewTokens}");
    }
}
