using LoraPipeline.Configuration;
using System.CommandLine;
using LoraPipeline.Checkpoints;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Cli;

/// <summary>Options for commands that run a model folder on token ids: <c>--model</c>, <c>--adapter</c>, <c>--dtype</c>, <c>--device</c>, <c>--ids</c>.</summary>
internal sealed class ModelArguments
{
    public Option<string> Model { get; } = new("--model", "-m") { Description = "Hugging Face model folder (config.json + safetensors)", Required = true };

    public Option<string?> Adapter { get; } = new("--adapter") { Description = "PEFT adapter folder, LoRA or P-tuning (adapter_config.json + adapter_model.safetensors), to apply to the model" };

    public Option<string> Dtype { get; } = new("--dtype")
    {
        Description = "compute dtype: f32 or bf16 (weights are converted, whatever their stored dtype)",
        DefaultValueFactory = _ => "f32",
    };

    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };

    public Option<int> Threads { get; } = new("--threads") { Description = "libtorch threads (0 = the physical cores available)", DefaultValueFactory = _ => 0 };

    public Option<string?> Ids { get; } = new("--ids") { Description = "input token ids, separated by spaces or commas, e.g. \"1 2 3\"" };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Adapter);
        command.Options.Add(Dtype);
        command.Options.Add(Device);
        command.Options.Add(Ids);
        command.Options.Add(Threads);
    }

    public LlamaForCausalLM LoadModel(ParseResult parse)
    {
        var folder = parse.GetValue(Model)!;
        if (!Directory.Exists(folder)) throw new CheckpointException($"--model: folder '{folder}' not found");
        var adapter = parse.GetValue(Adapter);
        if (adapter is not null && !Directory.Exists(adapter)) throw new LoraException($"--adapter: folder '{adapter}' not found");
        var threads = parse.GetValue(Threads);
        if (threads < 0) throw new ArgumentException($"--threads: must be 0 (auto) or more, got {threads}");
        ThreadBudget.Apply(threads);
        var model = LlamaForCausalLM.Load(folder, ParseDtype(parse.GetValue(Dtype)!), TorchRuntime.ParseDevice(parse.GetValue(Device)!));
        if (adapter is null) return model;
        try
        {
            LoadedAdapter.Apply(model, adapter);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The <c>--ids</c> list, checked against the vocabulary.</summary>
    public int[] ParseIds(ParseResult parse, int vocabSize)
    {
        var text = parse.GetValue(Ids) ?? throw new ArgumentException("--ids: required (token ids such as \"1 2 3\")");
        var parts = text.Split([' ', ',', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException("--ids: no token ids given");
        return parts.Select(p => int.TryParse(p, out var id) && id >= 0 && id < vocabSize
            ? id
            : throw new ArgumentException($"--ids: '{p}' is not a token id of this model (0 ≤ id < {vocabSize})")).ToArray();
    }

    public static ScalarType ParseDtype(string text) => DTypes.Parse(text, "--dtype").ToScalarType();

    /// <summary>The value of enum option <paramref name="option"/> written as <paramref name="text"/> in config style
    /// (<c>selective</c>, <c>nf4</c>); a <see cref="FormatException"/> listing the choices otherwise.</summary>
    public static T ParseChoice<T>(string text, string option) where T : struct, Enum =>
        ConfigNaming.ParseEnum(typeof(T), text) is T value
            ? value
            : throw new FormatException($"{option}: '{text}' is not one of {ConfigNaming.EnumNames<T>()}");

    /// <summary>Runs <paramref name="body"/>, turning expected failures into a message on stderr and exit code 1.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CheckpointException or LoraException or Pipeline.StageException or ArgumentException or FormatException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            CliErrors.Write(e.Message);
            return ExitCodes.Failed;
        }
    }
}
