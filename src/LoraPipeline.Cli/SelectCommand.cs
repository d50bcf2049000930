using System.CommandLine;
using System.Globalization;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Selection;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>
/// <c>lora select --use-case chatbot|assistant|batch --dev 1xA100-80GB --prod 2xH200 [--prompt-tokens N] [--new-tokens N]
/// [--train-seq-len N] [--precision bf16|fp8|f32] [--max-token-ms X] [--max-first-token-ms X] [--min-tokens-per-second X]
/// [--licenses a,b] [--candidates a,b] [--catalogue DIR] [--json FILE] [--out DIR]</c>: ranks the catalogue's base models by
/// whether they train on the development hardware (LoRA, QLoRA or not at all) and serve on the production hardware within
/// the use case's latency and throughput targets; writes <c>choice.json</c>, <c>report.md</c> and a chart into --out.
/// </summary>
internal static class SelectCommand
{
    public static Command Create()
    {
        var useCase = new Option<string?>("--use-case") { Description = "chatbot (< 100 ms/token, first token < 500 ms), assistant (< 200 ms, < 1 s) or batch (>= 100 tokens/s)" };
        var dev = new Option<string>("--dev") { Description = "development (training) hardware: COUNTxGPU or this-machine", Required = true };
        var prod = new Option<string>("--prod") { Description = "production (serving) hardware: COUNTxGPU or this-machine", Required = true };
        var prompt = new Option<int>("--prompt-tokens") { Description = "prompt tokens per request (question + passages)", DefaultValueFactory = _ => 1024 };
        var answer = new Option<int>("--new-tokens") { Description = "generated tokens per request", DefaultValueFactory = _ => 256 };
        var trainSeq = new Option<int?>("--train-seq-len") { Description = "training sequence length for the fit check (default prompt + new tokens)" };
        var precision = new Option<string>("--precision") { Description = "serving precision: bf16, fp8 or f32", DefaultValueFactory = _ => "bf16" };
        var maxToken = new Option<double?>("--max-token-ms") { Description = "per-token latency bound, replacing the use case's" };
        var maxFirst = new Option<double?>("--max-first-token-ms") { Description = "time-to-first-token bound, replacing the use case's" };
        var minRate = new Option<double?>("--min-tokens-per-second") { Description = "throughput floor (generated tokens/s over all replicas)" };
        var licenses = new Option<string?>("--licenses") { Description = "comma-separated allowed licence ids (default any)" };
        var candidates = new Option<string?>("--candidates") { Description = "comma-separated catalogue names to consider (default all)" };
        var catalogue = new Option<string?>("--catalogue") { Description = "folder with models.json and gpus.json replacing the shipped configs/catalogue" };
        var json = new Option<string?>("--json") { Description = "also write choice.json's content to this file" };
        var output = new Option<string>("--out") { Description = "folder for choice.json, report.md and latency-throughput.png", DefaultValueFactory = _ => "select" };
        var command = new Command("select", "choose the base model and hardware against production latency and throughput targets");
        foreach (var option in new Option[] { useCase, dev, prod, prompt, answer, trainSeq, precision, maxToken, maxFirst, minRate, licenses, candidates, catalogue, json, output })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var settings = new SelectionSettings
            {
                UseCase = parse.GetValue(useCase),
                Dev = parse.GetValue(dev)!,
                Prod = parse.GetValue(prod)!,
                PromptTokens = parse.GetValue(prompt),
                NewTokens = parse.GetValue(answer),
                TrainSeqLength = parse.GetValue(trainSeq),
                Precision = parse.GetValue(precision)!,
                MaxTokenMs = parse.GetValue(maxToken),
                MaxFirstTokenMs = parse.GetValue(maxFirst),
                MinTokensPerSecond = parse.GetValue(minRate),
                Licenses = List(parse.GetValue(licenses)),
                Candidates = List(parse.GetValue(candidates)),
                Catalogue = parse.GetValue(catalogue),
            };
            try
            {
                var (request, ranked) = SelectionRun.Run(settings, new PipelineConfig(), Path.GetFullPath(parse.GetValue(output)!));
                SelectionTable.Write(AnsiConsole.Console, request, ranked);
                if (parse.GetValue(json) is { } file) AtomicFile.WriteAllText(file, SelectionReport.ToJson(request, ranked));
                return ExitCodes.Ok;
            }
            catch (SelectionException e)
            {
                CliErrors.Write($"select: {e.Message}");
                return ExitCodes.ConfigError;
            }
        });
        return command;
    }

    private static IReadOnlyList<string> List(string? text) =>
        text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
