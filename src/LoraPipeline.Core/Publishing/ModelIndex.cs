using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>
/// The model card's <c>model-index</c> (the Hub's evaluation-results metadata): one result for the holdout split with
/// loss, exact match, token F1, ROUGE-L and refusal accuracy of this adapter, and the same metrics of the base model
/// alone, told apart by their names ("(base model)"), so the Hub shows what the adapter changed.
/// </summary>
internal static class ModelIndex
{
    // Report key → (model-index metric type, display name). Types follow the Hub's metric ids where one exists.
    private static readonly (string Key, string Type, string Name)[] Metrics =
    [
        ("loss", "loss", "Holdout loss"),
        ("exact_match", "exact_match", "Exact match"),
        ("token_f1", "f1", "Token F1"),
        ("rouge_l", "rougeL", "ROUGE-L"),
        ("refusal_accuracy", "accuracy", "Refusal accuracy"),
    ];

    /// <summary>Appends the <c>model-index</c> block for <paramref name="report"/> to YAML front matter.</summary>
    public static void Append(StringBuilder yaml, string name, EvaluationReport report)
    {
        var measured = new[] { ("", report.AdapterMetrics), (" (base model)", report.BaseMetrics) }
            .SelectMany(who => Metrics.Where(m => who.Item2.ContainsKey(m.Key)).Select(m => (m.Type, Name: m.Name + who.Item1, Value: who.Item2[m.Key])))
            .ToList();
        if (measured.Count == 0) return; // the Hub rejects a result without metrics
        yaml.Append("model-index:\n")
            .Append("  - name: ").Append(Quote(name)).Append('\n')
            .Append("    results:\n")
            .Append("      - task:\n")
            .Append("          type: question-answering\n")
            .Append("          name: Retrieval-augmented question answering\n")
            .Append("        dataset:\n")
            .Append("          name: ").Append(Quote(report.Dataset)).Append('\n')
            .Append("          type: ").Append(Quote(report.Dataset.StartsWith("hf:", StringComparison.Ordinal) ? report.Dataset[3..].Split('@')[0] : report.Dataset)).Append('\n')
            .Append("          split: test\n")
            .Append("        metrics:\n");
        foreach (var (type, metricName, value) in measured)
            yaml.Append("          - type: ").Append(type).Append('\n')
                .Append("            name: ").Append(Quote(metricName)).Append('\n')
                .Append("            value: ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
