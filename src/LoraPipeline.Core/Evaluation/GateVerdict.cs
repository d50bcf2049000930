namespace LoraPipeline.Evaluation;

/// <summary>One gate check.</summary>
/// <param name="Name">What was checked (for example <c>max_eval_loss</c>).</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">Values and threshold, in words.</param>
public sealed record GateCheck(string Name, bool Passed, string Detail);

/// <summary>The gate's decision: passed only when every configured check passed.</summary>
/// <param name="Passed">Overall verdict.</param>
/// <param name="Checks">Every check made.</param>
public sealed record GateVerdict(bool Passed, IReadOnlyList<GateCheck> Checks)
{
    /// <summary>Why the gate failed (empty when it passed).</summary>
    public IReadOnlyList<string> Reasons => Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList();
}
