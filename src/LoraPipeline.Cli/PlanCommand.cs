using System.CommandLine;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>
/// <c>lora plan --model SOURCE-or-config.json [--seq-len N] [--micro-batch-size N] [--lora-r R] [--dtype bf16|f32]
/// [--activation-checkpointing none|selective|full] [--packing] [--loss-chunk-tokens N] [--answer-tokens N] [--json FILE]</c>: the hardware plan without a pipeline config. SOURCE is a
/// <c>config.json</c>, a model folder, <c>builtin:tiny-llama</c>, or <c>hf:org/name</c> (resolved like
/// <c>lora download</c>, so only for models already cached or small enough to fetch). Other settings come from
/// the default config's values.
/// </summary>
internal sealed class PlanCommand : IStandaloneForm
{
    private readonly Option<string?> _model = new("--model") { Description = "standalone: config.json, model folder, builtin:tiny-llama or hf:org/name" };
    private readonly Option<int?> _seqLen = new("--seq-len") { Description = "standalone: tokens per sequence (default data.max_seq_length)" };
    private readonly Option<int?> _microBatch = new("--micro-batch-size") { Description = "standalone: sequences per forward pass" };
    private readonly Option<int?> _loraR = new("--lora-r") { Description = "standalone: LoRA rank" };
    private readonly Option<string> _dtype = new("--dtype") { Description = "standalone: bf16 or f32", DefaultValueFactory = _ => "bf16" };
    private readonly Option<string> _checkpointing = new("--activation-checkpointing")
    {
        Description = "standalone: none, selective (the attention core) or full (each decoder layer); the table shows all three",
        DefaultValueFactory = _ => "none",
    };
    private readonly Option<bool> _packing = new("--packing") { Description = "standalone: packed rows (attention within each example, no mask)" };
    private readonly Option<int?> _lossChunk = new("--loss-chunk-tokens") { Description = "standalone: label positions per LM-head chunk, 0 = one piece (default train.loss_chunk_tokens)" };
    private readonly Option<int?> _answerTokens = new("--answer-tokens") { Description = "standalone: chunked loss, logits only for N answer tokens per sequence (default: every token)" };
    private readonly Option<string> _quantize = new("--quantize") { Description = "standalone: none, or nf4 (QLoRA: 4-bit decoder projections)", DefaultValueFactory = _ => "none" };
    private readonly Option<string?> _json = new("--json") { Description = "standalone: also write the plan as JSON to this file" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _seqLen, _microBatch, _loraR, _dtype, _checkpointing, _packing, _lossChunk, _answerTokens, _quantize, _json })
            command.Options.Add(option);
    }

    public Task<int>? TryRun(ParseResult parse, CancellationToken cancellationToken) =>
        parse.GetValue(_model) is { Length: > 0 } model ? RunAsync(model, parse, cancellationToken) : null;

    private async Task<int> RunAsync(string model, ParseResult parse, CancellationToken cancellationToken)
    {
        var defaults = new PipelineConfig();
        SizingInputs inputs;
        try
        {
            var dtypeText = parse.GetValue(_dtype)!;
            inputs = SizingInputs.FromConfig(defaults) with
            {
                SeqLength = Positive(parse.GetValue(_seqLen) ?? defaults.Data.MaxSeqLength, "--seq-len"),
                MicroBatchSize = Positive(parse.GetValue(_microBatch) ?? defaults.Train.MicroBatchSize, "--micro-batch-size"),
                LoraR = Positive(parse.GetValue(_loraR) ?? defaults.Lora.R, "--lora-r"),
                Dtype = DTypes.Parse(dtypeText, "--dtype"),
                Checkpointing = ModelArguments.ParseChoice<ActivationCheckpointing>(parse.GetValue(_checkpointing)!, "--activation-checkpointing"),
                Packing = parse.GetValue(_packing),
                LossChunkTokens = parse.GetValue(_lossChunk) is { } chunk ? NonNegative(chunk, "--loss-chunk-tokens") : defaults.Train.LossChunkTokens,
                LossTokens = parse.GetValue(_answerTokens) is { } n ? Positive(n, "--answer-tokens") : null,
                Quantization = ModelArguments.ParseChoice<WeightQuantization>(parse.GetValue(_quantize)!, "--quantize"),
            };
        }
        catch (FormatException e)
        {
            CliErrors.Write($"plan: {e.Message}");
            return ExitCodes.ConfigError;
        }
        try
        {
            var configPath = await ResolveAsync(model, cancellationToken);
            var plan = HardwarePlan.Compute(model, PlanModelConfig.Load(configPath), inputs);
            PlanTable.Write(AnsiConsole.Console, plan);
            if (parse.GetValue(_json) is { } json) AtomicFile.WriteAllText(json, PlanReport.ToJson(plan));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is CheckpointException or ArgumentException or HubException or StageException or IOException)
        {
            CliErrors.Write($"plan: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static async Task<string> ResolveAsync(string model, CancellationToken cancellationToken)
    {
        if (File.Exists(model) || Directory.Exists(model)) return model;
        var source = ModelSource.Parse(model);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await ModelSources.ResolveAsync(source, HubSettings.FromEnvironment(), Directory.GetCurrentDirectory(), console, cancellationToken);
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive, got {value}");

    private static int NonNegative(int value, string name) =>
        value >= 0 ? value : throw new FormatException($"{name} must be 0 (one piece) or positive, got {value}");
}
