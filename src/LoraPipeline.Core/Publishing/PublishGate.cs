using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>Publish's precondition: the evaluation gate passed, for exactly the adapter being published.</summary>
internal static class PublishGate
{
    /// <summary>Reads <c>evaluate/report.json</c> for publishing: it must hold a gate verdict and both models' metrics.</summary>
    public static EvaluationReport ReadReport(string reportPath)
    {
        if (!File.Exists(reportPath))
            throw new PublishException($"{reportPath} is missing; run `./build.sh --target=Evaluate` first");
        try
        {
            var report = EvaluationReport.Read(reportPath);
            report.RequireGate(reportPath);
            if (!report.Metrics.ContainsKey("base")) throw new InvalidDataException($"{reportPath} has no metrics.base object");
            return report;
        }
        catch (InvalidDataException e)
        {
            throw new PublishException(e.Message, e);
        }
    }

    /// <summary>Throws a <see cref="PublishException"/> unless <paramref name="report"/> holds a passing verdict whose
    /// <c>adapter_sha256</c> equals <paramref name="adapterSha256"/> (the adapter weights about to be published).</summary>
    /// <param name="report">The evaluation report (read with <see cref="ReadReport"/>).</param>
    /// <param name="adapterSha256">SHA-256 of the <c>adapter_model.safetensors</c> being published.</param>
    /// <param name="reportPath">Where the report came from, for messages.</param>
    /// <param name="adapterPath">Where the adapter came from, for messages.</param>
    public static void Require(EvaluationReport report, string adapterSha256, string reportPath, string adapterPath)
    {
        var gate = report.Gate ?? throw new PublishException($"publish refused: {reportPath} has no gate verdict; run Evaluate again");
        if (!gate.Passed)
        {
            var reasons = gate.Reasons.Count == 0 ? "no reasons recorded" : string.Join("; ", gate.Reasons);
            throw new PublishException(
                $"publish refused: the evaluation gate failed ({reasons}) in {reportPath}; fix the adapter or the gate thresholds (eval.*) and run Evaluate again");
        }
        if (string.IsNullOrEmpty(gate.AdapterSha256))
            throw new PublishException(
                $"publish refused: {reportPath} has no gate.adapter_sha256, so it cannot show which adapter passed; run Evaluate again");
        if (!string.Equals(gate.AdapterSha256.Trim(), adapterSha256, StringComparison.OrdinalIgnoreCase))
            throw new PublishException(
                $"publish refused: the gate passed for adapter sha256 {gate.AdapterSha256} ({reportPath}), " +
                $"but the adapter to publish has sha256 {adapterSha256} ({adapterPath}); run Evaluate again on this adapter");
    }
}
