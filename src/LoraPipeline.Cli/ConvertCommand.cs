using System.CommandLine;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Torch;

namespace LoraPipeline.Cli;

/// <summary><c>lora convert --model DIR --out DIR [--dtype bf16|f32] [--max-shard-size 2GB] [--quantize none|nf4]</c>: Convert without a pipeline config.</summary>
internal sealed class ConvertCommand : IStandaloneForm
{
    private readonly Option<string?> _model = new("--model") { Description = "standalone: model folder to convert" };
    private readonly Option<string?> _out = new("--out") { Description = "standalone: output folder (must not exist or be empty)" };
    private readonly Option<string> _dtype = new("--dtype") { Description = "standalone: bf16 or f32", DefaultValueFactory = _ => "bf16" };
    private readonly Option<string> _quantize = new("--quantize") { Description = "standalone: none, or nf4 (4-bit decoder weights in bitsandbytes' layout)", DefaultValueFactory = _ => "none" };
    private readonly Option<string> _maxShard = new("--max-shard-size") { Description = "standalone: largest shard, e.g. 2GB", DefaultValueFactory = _ => "2GB" };

    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_out);
        command.Options.Add(_dtype);
        command.Options.Add(_maxShard);
        command.Options.Add(_quantize);
    }

    public Task<int>? TryRun(ParseResult parse, CancellationToken cancellationToken)
    {
        var model = parse.GetValue(_model);
        if (model is null) return null;
        return Task.FromResult(Run(model, parse.GetValue(_out), parse.GetValue(_dtype)!, parse.GetValue(_maxShard)!, parse.GetValue(_quantize)!, cancellationToken));
    }

    private static int Run(string model, string? outDirectory, string dtypeText, string maxShardText, string quantizeText, CancellationToken cancellationToken)
    {
        if (outDirectory is null)
        {
            CliErrors.Write("convert: --out DIR is required with --model");
            return ExitCodes.ConfigError;
        }
        DType dtype;
        long maxShard;
        WeightQuantization quantization;
        try
        {
            dtype = DTypes.Parse(dtypeText, "--dtype");
            quantization = ModelArguments.ParseChoice<WeightQuantization>(quantizeText, "--quantize");
        }
        catch (FormatException e)
        {
            CliErrors.Write($"convert: {e.Message}");
            return ExitCodes.ConfigError;
        }
        try
        {
            maxShard = ByteSize.Parse(maxShardText);
        }
        catch (FormatException e)
        {
            CliErrors.Write($"convert: --max-shard-size: {e.Message}");
            return ExitCodes.ConfigError;
        }
        if (!Directory.Exists(model))
        {
            CliErrors.Write($"convert: --model: folder '{model}' not found");
            return ExitCodes.Failed;
        }
        var target = Path.GetFullPath(outDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            CliErrors.Write($"convert: {target} exists and is not empty; choose another --out or delete it");
            return ExitCodes.Failed;
        }
        try
        {
            // Converted beside and renamed into place, so an interrupted run leaves nothing under --out.
            ConversionManifest? manifest = null;
            AtomicDirectory.Write(target, temp => manifest = CheckpointConverter.Convert(model, temp, dtype, maxShard, Console.WriteLine, cancellationToken, quantization));
            Console.WriteLine($"converted {manifest!.Tensors.Count} tensors to {manifest.Dtype}{(quantization == WeightQuantization.Nf4 ? " (linear weights NF4)" : "")} in {manifest.Files.Count(f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal))} shard(s): {target}");
            return ExitCodes.Ok;
        }
        catch (CheckpointException e)
        {
            CliErrors.Write($"convert: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
