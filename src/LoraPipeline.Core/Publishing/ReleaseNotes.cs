using System.Text;
using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>The release's notes: the gate verdict, the metrics table, how to verify, then the <see cref="ReleaseManifest"/> block.</summary>
internal static class ReleaseNotes
{
    /// <summary>Renders the notes.</summary>
    public static string Render(EvaluationReport report, string tag, ReleaseManifest manifest)
    {
        var text = new StringBuilder()
            .Append("LoRA adapter `").Append(tag).Append("` for `").Append(report.ModelSource).Append("`, trained on `")
            .Append(report.Dataset).Append("`.\n\n")
            .Append(MetricsTable.Verdict(report.Gate)).Append("\n\n")
            .Append(MetricsTable.Render(report)).Append('\n')
            .Append("Adapter `adapter_model.safetensors` sha256 `").Append(manifest.AdapterSha256).Append("`. ")
            .Append("Download `").Append(tag).Append(".zip` and `SHA256SUMS`, then `sha256sum -c --ignore-missing SHA256SUMS`; ")
            .Append("the model card (`README.md`) says how to load the adapter.\n\n")
            .Append(manifest.Render());
        return text.ToString();
    }
}
