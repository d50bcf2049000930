using System.Globalization;
using System.Text;
using System.Text.Json;
using LoraPipeline.Benchmarking;
using LoraPipeline.Pipeline;
using LoraPipeline.Sizing;
using ScottPlot;

namespace LoraPipeline.Selection;

/// <summary>Writes a ranked selection as <c>choice.json</c>, <c>report.md</c> and <c>latency-throughput.png</c>.</summary>
internal static class SelectionReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The selection as JSON: request, assumptions, every candidate, and the choice (null when none meets the targets).</summary>
    public static string ToJson(SelectionRequest request, IReadOnlyList<CandidateAssessment> ranked)
    {
        var choice = ranked.FirstOrDefault(a => a.MeetsTargets);
        var document = new
        {
            UseCase = request.Target.Name,
            Targets = new
            {
                MaxTokenMs = request.Target.MaxTokenMilliseconds,
                MaxFirstTokenMs = request.Target.MaxFirstTokenMilliseconds,
                MinTokensPerSecond = request.Target.MinTokensPerSecond,
            },
            Dev = request.Dev.ToString(),
            Prod = request.Prod.ToString(),
            Workload = new { request.Workload.PromptTokens, request.Workload.NewTokens, Precision = request.Workload.Precision.ToString().ToLowerInvariant() },
            TrainSeqLength = request.Training.SeqLength,
            Assumptions = RooflineAssumptions.Describe(),
            Candidates = ranked.Select(a => new
            {
                a.Model.Name,
                a.Model.HubId,
                Parameters = a.Model.TotalParameters,
                TrainsOnDev = a.Training.Kind,
                TrainDetail = a.Training.Reason,
                Production = a.Production is not { } p ? null : new
                {
                    p.Gpus,
                    p.TensorParallel,
                    p.Replicas,
                    p.Batch,
                    TokenMs = Math.Round(p.TokenMilliseconds, 3),
                    FirstTokenMs = Math.Round(p.FirstTokenMilliseconds, 3),
                    TokensPerSecond = Math.Round(p.TokensPerSecond, 1),
                    p.MaxBatch,
                    p.Bound,
                },
                a.MeetsTargets,
                a.ContextFits,
                a.Model.ContextLength,
                a.Model.License,
                a.Model.Gated,
                a.Model.BenchmarkScore,
                a.Reasons,
            }),
            Choice = choice is null ? null : new { choice.Model.Name, choice.Model.HubId, Source = $"hf:{choice.Model.HubId}", choice.Reasons },
        };
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    /// <summary>The selection as Markdown: the ranked table, the choice with its reasons, the assumptions.</summary>
    public static string ToMarkdown(SelectionRequest request, IReadOnlyList<CandidateAssessment> ranked)
    {
        var b = new StringBuilder();
        b.AppendLine("# Model selection");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture,
            $"Use case **{request.Target.Name}** ({request.Target.Describe()}); develop on **{request.Dev}**, serve on **{request.Prod}**; " +
            $"{request.Workload.PromptTokens} prompt + {request.Workload.NewTokens} generated tokens per request in {request.Workload.Precision.ToString().ToLowerInvariant()}; " +
            $"training at {request.Training.SeqLength} tokens, LoRA r {request.Training.LoraR}.");
        b.AppendLine();
        var choice = ranked.FirstOrDefault(a => a.MeetsTargets);
        b.AppendLine(choice is null
            ? "**No candidate meets every target**; the table's first row is the closest."
            : $"**Choice: {choice.Model.Name}** (`hf:{choice.Model.HubId}`): {string.Join("; ", choice.Reasons)}.");
        b.AppendLine();
        b.AppendLine("| # | model | params | trains on dev | production (GPUs, TP × replicas, batch) | ms/token | first token ms | tokens/s | context | licence | meets |");
        b.AppendLine("| ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var (a, i) in ranked.Select((a, i) => (a, i + 1)))
        {
            var p = a.Production;
            var inv = CultureInfo.InvariantCulture;
            var recompute = a.Training.Checkpointing is { } c ? $" (recompute {MemoryText.Mode(c)})" : "";
            var serving = p is null
                ? "does not fit | | | |"
                : string.Create(inv, $"{p.Gpus}, TP {p.TensorParallel} × {p.Replicas}, batch {p.Batch} | {p.TokenMilliseconds:0.0} | {p.FirstTokenMilliseconds:0} | {p.TokensPerSecond:0} |");
            var licence = $"{a.Model.License}{(a.Model.Gated ? ", gated" : "")}{(a.LicenseFits ? "" : " (not allowed)")}";
            var row = string.Create(inv,
                $"| {i} | {a.Model.Name} | {MemoryText.Parameters(a.Model.TotalParameters)} | {a.Training.Kind}{recompute} | {serving} {a.Model.ContextLength}{(a.ContextFits ? "" : " (too short)")} | {licence} | {(a.MeetsTargets ? "yes" : "no")} |");
            b.AppendLine(row);
        }
        b.AppendLine();
        b.AppendLine("## Assumptions");
        b.AppendLine();
        foreach (var line in RooflineAssumptions.Describe()) b.AppendLine($"- {line}");
        b.AppendLine("- training fit: the Plan's memory model (`lora plan`), decoder layers placed over the dev GPUs (`train.devices`), LoRA then QLoRA (NF4), recompute none → selective → full");
        b.AppendLine();
        b.AppendLine("![latency and throughput](latency-throughput.png)");
        return b.ToString();
    }

    /// <summary>Per-token latency against tokens/s through the batch sizes for the first <paramref name="count"/> candidates, with the 100/200/500/1000 ms bands.</summary>
    public static byte[] Chart(IReadOnlyList<CandidateAssessment> ranked, int count = 6)
    {
        var plot = new Plot();
        plot.Title("Estimated serving: per-token latency vs throughput (batch sizes)");
        plot.XLabel("generated tokens/s (all replicas, log10)");
        plot.YLabel("per-token latency (ms, log10)");
        var palette = new ScottPlot.Palettes.Category10();
        var maxLatency = 0.0;
        var minLatency = double.MaxValue;
        foreach (var (a, i) in ranked.Where(a => a.Curve.Count > 0).Take(count).Select((a, i) => (a, i)))
        {
            var scatter = plot.Add.Scatter(a.Curve.Select(p => Math.Log10(p.TokensPerSecond)).ToArray(), a.Curve.Select(p => Math.Log10(p.TokenMilliseconds)).ToArray());
            scatter.Color = palette.GetColor(i);
            scatter.LegendText = $"{a.Model.Name} (TP {a.Curve[0].TensorParallel})";
            maxLatency = Math.Max(maxLatency, a.Curve.Max(p => p.TokenMilliseconds));
            minLatency = Math.Min(minLatency, a.Curve.Min(p => p.TokenMilliseconds));
        }
        foreach (var band in UseCaseTargets.BandsMilliseconds)
        {
            var line = plot.Add.HorizontalLine(Math.Log10(band));
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Gray;
            line.Text = $"{band:0} ms";
        }
        plot.Axes.SetLimitsY(Math.Log10(Math.Min(minLatency, 100) * 0.7), Math.Log10(Math.Max(maxLatency, UseCaseTargets.BandsMilliseconds.Max()) * 1.3));
        plot.ShowLegend();
        return plot.GetImageBytes(900, 600, ImageFormat.Png);
    }

    /// <summary>Writes the three files into <paramref name="directory"/> atomically.</summary>
    public static void Write(string directory, SelectionRequest request, IReadOnlyList<CandidateAssessment> ranked)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "choice.json"), ToJson(request, ranked));
        AtomicFile.WriteAllText(Path.Combine(directory, "report.md"), ToMarkdown(request, ranked));
        AtomicFile.WriteAllBytes(Path.Combine(directory, "latency-throughput.png"), Chart(ranked));
    }
}
