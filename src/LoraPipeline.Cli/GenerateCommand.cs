using System.CommandLine;
using System.Text.Json;
using LoraPipeline.Data;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Tokenization;

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
        public Option<bool> Json { get; } = new("--json") { Description = "print {\"ids\": [...], \"text\": ...}" };
        public Option<string?> Prompt { get; } = new("--prompt") { Description = "raw prompt text, tokenized with the model's tokenizer" };
        public Option<string?> Question { get; } = new("--question") { Description = "a question, rendered in the training prompt format with --context passages" };
        public Option<string[]> Context { get; } = new("--context") { Description = "a context passage for --question (repeatable)" };
        public Option<string?> PromptFormat { get; } = new("--prompt-format") { Description = "prompt_format.json to render --question with (default: the one in --adapter DIR)" };
    }

    public static Command Create()
    {
        var options = new Options();
        var command = new Command("generate", "generate a continuation of token ids with a model folder");
        options.Model.AddTo(command);
        foreach (var option in new Option[] { options.MaxNewTokens, options.Greedy, options.Temperature, options.TopP, options.Seed, options.Json,
                     options.Prompt, options.Question, options.Context, options.PromptFormat })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => Task.FromResult(ModelArguments.Guard(() => Run(parse, options, cancellationToken))));
        return command;
    }

    private static int Run(ParseResult parse, Options options, CancellationToken cancellationToken)
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
        var textPrompt = parse.GetValue(options.Prompt) is not null || parse.GetValue(options.Question) is not null;
        if (textPrompt && parse.GetValue(options.Model.Ids) is not null)
            throw new ArgumentException("--ids cannot be combined with --prompt or --question");
        using var model = options.Model.LoadModel(parse);
        var modelDirectory = parse.GetValue(options.Model.Model)!;
        var tokenizer = textPrompt || parse.GetValue(options.Json) ? LoadTokenizer(modelDirectory, parse.GetValue(options.Model.Adapter)) : null;
        var (prompt, endId) = PromptIds(parse, options, model, tokenizer);
        var context = model.Config.MaxPositionEmbeddings;
        if (prompt.Count + (long)sampling.MaxNewTokens > context)
            throw new ArgumentException(
                $"--max-new-tokens {sampling.MaxNewTokens}: the prompt ({prompt.Count} tokens) plus the new tokens exceed the model's context ({context} positions, max_position_embeddings); use at most {Math.Max(0, context - prompt.Count)}");
        var stops = model.Config.EosTokenIds.Concat(endId is { } e ? [e] : []).Distinct().ToList();
        // Ctrl-C stops between tokens (TopLevelErrors answers "interrupted", exit 130).
        var generated = TokenGenerator.Generate(model, [prompt], sampling with { EosTokenIds = stops.Count > 0 ? stops : null },
            _ => cancellationToken.ThrowIfCancellationRequested())[0];
        var text = tokenizer?.Decode(generated.Where(id => !stops.Contains(id)), skipSpecialTokens: true);
        if (parse.GetValue(options.Json))
            Console.WriteLine(JsonSerializer.Serialize(new { ids = generated, text }));
        else
            Console.WriteLine(textPrompt ? text!.Trim() : string.Join(' ', generated));
        return ExitCodes.Ok;
    }

    // The tokenizer of the model folder, or the one shipped beside the adapter when the model folder has none; null
    // when neither has one (a text prompt then fails naming both, see NoTokenizer).
    private static ModelTokenizer? LoadTokenizer(string modelDirectory, string? adapterDirectory) =>
        TryLoadTokenizer(modelDirectory) ?? (adapterDirectory is null ? null : TryLoadTokenizer(adapterDirectory));

    // Null only when the folder has no tokenizer file at all; a broken one is an error naming it, not skipped.
    private static ModelTokenizer? TryLoadTokenizer(string directory) =>
        new[] { "tokenizer.json", "tokenizer.model", "vocab.json" }.Any(name => File.Exists(Path.Combine(directory, name)))
            ? ModelTokenizer.Load(directory)
            : null;

    private static (IReadOnlyList<int> Ids, int? EndId) PromptIds(ParseResult parse, Options options, LlamaForCausalLM model, ModelTokenizer? tokenizer)
    {
        if (parse.GetValue(options.Question) is { } question)
        {
            var formatPath = parse.GetValue(options.PromptFormat)
                ?? (parse.GetValue(options.Model.Adapter) is { } adapter ? Path.Combine(adapter, ArtifactNames.PromptFormat) : null)
                ?? throw new ArgumentException("--question needs the training prompt format: --adapter DIR with prompt_format.json, or --prompt-format FILE");
            if (parse.GetValue(options.PromptFormat) is null && !File.Exists(formatPath))
                throw new ArgumentException($"--question: the adapter folder {Path.GetDirectoryName(formatPath)} has no {ArtifactNames.PromptFormat} " +
                    "(a PEFT folder from elsewhere rarely does); give the prompt format it was trained with by --prompt-format FILE " +
                    $"(Prepare writes it: artifacts/<run>/prepare/{ArtifactNames.PromptFormat}), or give token ids with --ids");
            var format = PromptFormatRecord.Read(formatPath);
            if (tokenizer is null) throw new ArgumentException(NoTokenizer("--question", parse, options));
            var template = PromptTemplate.FromRecord(format, tokenizer!.SpecialTokens.Keys);
            var encoder = new ExampleEncoder(tokenizer, template, format.Instruction, model.Config.MaxPositionEmbeddings);
            return (encoder.EncodePrompt(question, parse.GetValue(options.Context) ?? []), format.EndId);
        }
        if (parse.GetValue(options.Prompt) is { } prompt)
            return (tokenizer?.Encode(prompt, addSpecialTokens: true) ?? throw new ArgumentException(NoTokenizer("--prompt", parse, options)), null);
        return (options.Model.ParseIds(parse, model.Config.VocabSize), null);
    }

    // A PEFT adapter folder usually has no tokenizer: the base model's is used, and only when neither has one does
    // a text prompt fail, saying where it looked and that --ids needs none.
    private static string NoTokenizer(string option, ParseResult parse, Options options) =>
        $"{option}: no tokenizer files (tokenizer.json, tokenizer.model or vocab.json + merges.txt) in the model folder " +
        $"{parse.GetValue(options.Model.Model)}" +
        (parse.GetValue(options.Model.Adapter) is { } adapter ? $" or the adapter folder {adapter}" : "") +
        "; copy the base model's tokenizer files there, or give token ids with --ids";
}
