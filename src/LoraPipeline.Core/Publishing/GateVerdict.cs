namespace LoraPipeline.Publishing;

/// <summary>The <c>gate</c> object of <c>evaluate/report.json</c>.</summary>
/// <param name="Passed">Whether the evaluated adapter passed every gate threshold.</param>
/// <param name="Reasons">Why it failed (or notes when it passed).</param>
/// <param name="AdapterSha256">Lower-case hex SHA-256 of the <c>adapter_model.safetensors</c> that was evaluated, or null when absent.</param>
public sealed record GateVerdict(bool Passed, IReadOnlyList<string> Reasons, string? AdapterSha256);
