using System.CommandLine;
using System.Text.Json;
using LoraPipeline.Modeling;

namespace LoraPipeline.Cli;

/// <summary>
/// <c>lora generate</c>: continues token ids with the KV cache, greedily or by seeded temperature/top-p sampling.
/// Prompt resolution (<see cref="PromptIds"/>) and decoding (<see cref="DecodeText"/>) are the seams where text
/// prompts, tokenizers and adapters plug in.
/// </summary>
internal static class GenerateCommand
{
    private sealed class Options
    {
        public ModelArguments Model { get; } = new();
        public Option<int> MaxNewTokens { get; } = new("--max-new-tokens") { Description = "most tokens to generate", DefaultValueFactory = _ => 64 };
        public Option<bool> Greedy { get; } = new("--greedy") { Description = "take the most likely token each step (the default unless --temperature is given)" };
        public Option<double?> Temperature { get; } = new("--temperature") { Description = "sample with this softmax temperature (0 = greedy)" };
        public Option<double> TopP { get; } = new("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        public Option<long> Seed { get; } = new("--seed") { Description = "random seed for sampling", DefaultValueFactory = _ => 0 };
        public Option<bool> Json { get; } = new("--json") { Description = "print {\"ids\": [...], \"text\": ...} instead of the ids" };
    }

    public static Command Create()
    {
        var options = new Options();
        var command = new Command("generate", "generate a continuation of token ids with a model folder");
        options.Model.AddTo(command);
        foreach (var option in new Option[] { options.MaxNewTokens, options.Greedy, options.Temperature, options.TopP, options.Seed, options.Json })
            command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() => Run(parse, options)));
        return command;
    }

    private static int Run(ParseResult parse, Options options)
    {
        var temperature = parse.GetValue(options.Temperature);
        if (parse.GetValue(options.Greedy) && temperature is not null)
            throw new ArgumentException("--greedy and --temperature: give one or the other");
        var sampling = new SamplingOptions
        {
            MaxNewTokens = parse.GetValue(options.MaxNewTokens),
            Greedy = temperature is null,
            Temperature = temperature ?? 1.0,
            TopP = parse.GetValue(options.TopP),
            Seed = parse.GetValue(options.Seed),
        };
        if (sampling.MaxNewTokens < 0) throw new ArgumentException($"--max-new-tokens: must be 0 or more, got {sampling.MaxNewTokens}");
        if (!(sampling.TopP > 0 && sampling.TopP <= 1)) throw new ArgumentException($"--top-p: must be in (0, 1], got {sampling.TopP}");
        using var model = options.Model.LoadModel(parse);
        var prompt = PromptIds(parse, options, model);
        var generated = TokenGenerator.Generate(model, [prompt], sampling)[0];
        if (parse.GetValue(options.Json))
            Console.WriteLine(JsonSerializer.Serialize(new { ids = generated, text = DecodeText(generated) }));
        else
            Console.WriteLine(string.Join(' ', generated));
        return ExitCodes.Ok;
    }

    private static int[] PromptIds(ParseResult parse, Options options, LlamaModel model) =>
        options.Model.ParseIds(parse, model.Config.VocabSize);

    private static string? DecodeText(IReadOnlyList<int> ids) => null;
}
