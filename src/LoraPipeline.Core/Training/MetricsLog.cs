using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Training;

/// <summary>One logged training step (validation fields are set on validation steps only).</summary>
/// <param name="Step">Optimizer step (0 = before training, validation only).</param>
/// <param name="Loss">Training loss of the step (mean over its answer tokens), null at step 0.</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="GradNorm">Gradient norm before clipping.</param>
/// <param name="Tokens">Non-padding tokens processed in the step.</param>
/// <param name="TokensPerSecond">Non-padding tokens per second over the step.</param>
/// <param name="ValidationLoss">Validation loss (mean over answer tokens), on validation steps.</param>
/// <param name="ElapsedSeconds">Training time so far (excluding validation).</param>
internal sealed record StepMetrics(int Step, double? Loss, double LearningRate, double GradNorm, long Tokens, double TokensPerSecond,
    double? ValidationLoss, double ElapsedSeconds);

/// <summary>Writes <c>metrics.jsonl</c> and <c>metrics.csv</c>.</summary>
internal static class MetricsLog
{
    /// <summary>Appends one line to a JSONL file (flushed).</summary>
    public static void Append(string path, StepMetrics metrics) =>
        File.AppendAllText(path, JsonSerializer.Serialize(metrics, JsonLine) + "\n");

    /// <summary>Reads a JSONL log, keeping the steps up to <paramref name="maxStep"/> (a resumed run drops what it will redo).</summary>
    public static List<StepMetrics> Read(string path, int maxStep = int.MaxValue) =>
        !File.Exists(path) ? [] : File.ReadLines(path).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<StepMetrics>(l, JsonLine)!)
            .Where(m => m.Step <= maxStep).ToList();

    /// <summary>Writes the whole log as JSONL and CSV, atomically.</summary>
    public static void WriteFinal(string directory, IReadOnlyList<StepMetrics> metrics)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, ArtifactNames.TrainMetrics), string.Concat(metrics.Select(m => JsonSerializer.Serialize(m, JsonLine) + "\n")));
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("step,loss,learning_rate,grad_norm,tokens,tokens_per_second,validation_loss,elapsed_seconds\n");
        foreach (var m in metrics)
            csv.Append(inv, $"{m.Step},{m.Loss?.ToString("R", inv)},{m.LearningRate.ToString("R", inv)},{m.GradNorm.ToString("R", inv)},{m.Tokens},{m.TokensPerSecond.ToString("0.##", inv)},{m.ValidationLoss?.ToString("R", inv)},{m.ElapsedSeconds.ToString("0.###", inv)}\n");
        AtomicFile.WriteAllText(Path.Combine(directory, ArtifactNames.TrainMetricsCsv), csv.ToString());
    }

    // A diverging run logs NaN or Infinity (a sweep trial's divergence stop reads them back) instead of failing to write its line.
    private static readonly JsonSerializerOptions JsonLine = new(ConfigJson.Options)
    {
        WriteIndented = false, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
