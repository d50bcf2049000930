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
internal sealed class SelectCommand : IStandaloneForm
{
    private readonly Option<string?> _useCase = new("--use-case") { Description = "standalone: chatbot (< 100 ms/token, first token < 500 ms), assistant (< 200 ms, < 1 s) or batch (>= 100 tokens/s)" };
    private readonly Option<string?> _dev = new("--dev") { Description = "standalone: development (training) hardware, COUNTxGPU or this-machine" };
    private readonly Option<string?> _prod = new("--prod") { Description = "standalone: production (serving) hardware, COUNTxGPU or this-machine" };
    private readonly Option<int> _prompt = new("--prompt-tokens") { Description = "standalone: prompt tokens per request (question + passages)", DefaultValueFactory = _ => 1024 };
    private readonly Option<int> _answer = new("--new-tokens") { Description = "standalone: generated tokens per request", DefaultValueFactory = _ => 256 };
    private readonly Option<int?> _trainSeq = new("--train-seq-len") { Description = "standalone: training sequence length for the fit check (default prompt + new tokens)" };
    private readonly Option<string> _precision = new("--precision") { Description = "standalone: serving precision bf16, fp8 or f32", DefaultValueFactory = _ => "bf16" };
    private readonly Option<double?> _maxToken = new("--max-token-ms") { Description = "standalone: per-token latency bound, replacing the use case's" };
    private readonly Option<double?> _maxFirst = new("--max-first-token-ms") { Description = "standalone: time-to-first-token bound, replacing the use case's" };
    private readonly Option<double?> _minRate = new("--min-tokens-per-second") { Description = "standalone: throughput floor (generated tokens/s over all replicas)" };
    private readonly Option<string?> _licenses = new("--licenses") { Description = "standalone: comma-separated allowed licence ids (default any)" };
    private readonly Option<string?> _candidates = new("--candidates") { Description = "standalone: comma-separated catalogue names to consider (default all)" };
    private readonly Option<string?> _catalogue = new("--catalogue") { Description = "standalone: folder with models.json and gpus.json replacing the shipped configs/catalogue" };
    private readonly Option<string?> _json = new("--json") { Description = "standalone: also write choice.json's content to this file" };
    private readonly Option<string> _output = new("--out") { Description = "standalone: folder for choice.json, report.md and latency-throughput.png", DefaultValueFactory = _ => "select" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _useCase, _dev, _prod, _prompt, _answer, _trainSeq, _precision, _maxToken, _maxFirst, _minRate, _licenses, _candidates, _catalogue, _json, _output })
            command.Options.Add(option);
    }

    public Task<int>? TryRun(ParseResult parse, CancellationToken cancellationToken) =>
        parse.GetValue(_dev) is not null || parse.GetValue(_prod) is not null ? Task.FromResult(Run(parse)) : null;

    private int Run(ParseResult parse)
    {
        try
        {
            var settings = new SelectionSettings
            {
                UseCase = parse.GetValue(_useCase),
                Dev = parse.GetValue(_dev) ?? throw new SelectionException("--dev: required with --prod (e.g. --dev 1xA100-80GB)"),
                Prod = parse.GetValue(_prod) ?? throw new SelectionException("--prod: required with --dev (e.g. --prod 2xH200)"),
                PromptTokens = parse.GetValue(_prompt),
                NewTokens = parse.GetValue(_answer),
                TrainSeqLength = parse.GetValue(_trainSeq),
                Precision = parse.GetValue(_precision)!,
                MaxTokenMs = parse.GetValue(_maxToken),
                MaxFirstTokenMs = parse.GetValue(_maxFirst),
                MinTokensPerSecond = parse.GetValue(_minRate),
                Licenses = List(parse.GetValue(_licenses)),
                Candidates = List(parse.GetValue(_candidates)),
                Catalogue = parse.GetValue(_catalogue),
            };
            var (request, ranked) = SelectionRun.Run(settings, new PipelineConfig(), Path.GetFullPath(parse.GetValue(_output)!));
            SelectionTable.Write(AnsiConsole.Console, request, ranked);
            if (parse.GetValue(_json) is { } file) AtomicFile.WriteAllText(file, SelectionReport.ToJson(request, ranked));
            return ExitCodes.Ok;
        }
        catch (SelectionException e)
        {
            CliErrors.Write($"select: {e.Message}");
            return ExitCodes.ConfigError;
        }
    }

    private static IReadOnlyList<string> List(string? text) =>
        text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
