using System.Globalization;
using LoraPipeline.Sizing;
using Spectre.Console;

namespace LoraPipeline.Selection;

/// <summary>Prints a ranked selection as a console table with the choice and its reasons.</summary>
internal static class SelectionTable
{
    /// <summary>Writes the table to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, SelectionRequest request, IReadOnlyList<CandidateAssessment> ranked)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(request);
        console.WriteLine($"use case: {request.Target.Name} ({request.Target.Describe()}); dev {request.Dev}, prod {request.Prod}; " +
                          $"{request.Workload.PromptTokens} prompt + {request.Workload.NewTokens} new tokens, {request.Workload.Precision.ToString().ToLowerInvariant()}");
        var table = new Table().AddColumns("#", "model", "params", "trains on dev", "prod config", "ms/token", "TTFT ms", "tokens/s", "context", "licence", "meets");
        var inv = CultureInfo.InvariantCulture;
        foreach (var (a, i) in ranked.Select((a, i) => (a, i + 1)))
        {
            var p = a.Production;
            table.AddRow(
                i.ToString(inv), Markup.Escape(a.Model.Name), MemoryText.Parameters(a.Model.TotalParameters),
                a.Training.Kind + (a.Training.Checkpointing is { } c ? $" ({MemoryText.Mode(c)})" : ""),
                p is null ? "does not fit" : $"{p.Gpus} GPU, TP {p.TensorParallel}×{p.Replicas}, b{p.Batch}",
                p is null ? "" : p.TokenMilliseconds.ToString("0.0", inv),
                p is null ? "" : p.FirstTokenMilliseconds.ToString("0", inv),
                p is null ? "" : p.TokensPerSecond.ToString("0", inv),
                a.Model.ContextLength.ToString(inv) + (a.ContextFits ? "" : " (short)"),
                Markup.Escape(a.Model.License + (a.Model.Gated ? ", gated" : "")) + (a.LicenseFits ? "" : " (not allowed)"),
                a.MeetsTargets ? "yes" : "no");
        }
        console.Write(table);
        var choice = ranked.FirstOrDefault(a => a.MeetsTargets);
        console.WriteLine(choice is null
            ? "choice: none meets every target; see the reasons in report.md"
            : $"choice: {choice.Model.Name} (hf:{choice.Model.HubId}): {string.Join("; ", choice.Reasons)}");
        console.WriteLine("estimates: roofline for a tuned serving stack (assumptions in report.md)");
    }
}
