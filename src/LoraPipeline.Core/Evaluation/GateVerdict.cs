namespace LoraPipeline.Evaluation;

/// <summary>One gate check.</summary>
/// <param name="Name">What was checked (for example <c>max_eval_loss</c>).</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">Values and threshold, in words.</param>
internal sealed record GateCheck(string Name, bool Passed, string Detail);

/// <summary>
/// The gate's decision, as <see cref="Gate.Evaluate"/> makes it and as <c>report.json</c>'s <c>gate</c> object stores it:
/// passed only when every configured check passed, and bound to the adapter weights it was made for.
/// </summary>
internal sealed record GateVerdict
{
    /// <summary>Overall verdict.</summary>
    public required bool Passed { get; init; }

    /// <summary>Why the gate failed, one line per failed check (empty when it passed).</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Every check made.</summary>
    public IReadOnlyList<GateCheck> Checks { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the evaluated <c>adapter_model.safetensors</c>; Publish ships only that adapter.</summary>
    public string? AdapterSha256 { get; init; }

    /// <summary>The verdict of <paramref name="checks"/>.</summary>
    public static GateVerdict From(IReadOnlyList<GateCheck> checks) => new()
    {
        Passed = checks.All(c => c.Passed),
        Reasons = checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList(),
        Checks = checks,
    };
}
