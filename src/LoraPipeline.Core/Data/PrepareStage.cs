using System.Text.Json;
using LoraPipeline.ChatTemplates;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Tokenization;
using Spectre.Console;

namespace LoraPipeline.Data;

/// <summary>
/// The Prepare stage: documents and questions → chunks → BM25 contexts (oracle + distractors) → prompts
/// in the model's format → tokens with answer-only labels → <c>train/valid/test.jsonl</c>, their
/// <c>*.tokens.jsonl</c>, <c>prompt_format.json</c>, <c>stats.json</c> and <c>stats.md</c>.
/// </summary>
internal sealed class PrepareStage : IStage
{
    /// <inheritdoc />
    public string Name => "prepare";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert"];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Data, config.Model.PromptFormat };

    /// <inheritdoc />
    public IEnumerable<string> InputFiles(StageInputs inputs) => RagDataset.InputFiles(inputs.Config.Data, inputs.BaseDirectory);

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var options = context.Config.Data;
        RagDataset dataset;
        ModelTokenizer tokenizer;
        try
        {
            dataset = RagDataset.Load(options, context.BaseDirectory);
            tokenizer = ModelTokenizer.Load(context.UpstreamDirectory("convert"));
        }
        catch (Exception e) when (e is DataException or TokenizerException)
        {
            throw new StageException(e.Message, e);
        }
        var convert = context.UpstreamDirectory("convert");
        var instruction = PromptTemplate.Instruction(dataset.RefusalAnswer);
        var (template, bosToken, eosToken) = PromptFormatChoice.Choose(context.Config.Model.PromptFormat, convert, tokenizer);
        ExampleEncoder encoder;
        try
        {
            encoder = new ExampleEncoder(tokenizer, template, instruction, options.MaxSeqLength);
        }
        catch (TokenizerException e)
        {
            throw new StageException(e.Message, e);
        }
        context.Console.WriteLine(template.ChatTemplate is { } chat
            ? $"prepare: prompt format chat_template: the base model's own, from {chat.Template.SourceFile} (rendered by @huggingface/jinja); " +
              $"messages: system = instruction, user = context passages + question, assistant = answer ending {chat.EndOfTurnToken ?? "with eos"}"
            : $"prepare: prompt format {ConfigNaming.EnumName(template.Format)}" +
              (context.Config.Model.PromptFormat == PromptFormat.Auto ? " (auto: the model ships no chat_template; chosen from its special tokens)" : ""));

        int CountTokens(string text) => tokenizer.Encode(text, addSpecialTokens: false).Count;
        var chunker = new Chunker(CountTokens, options.ChunkTokens, options.ChunkOverlap);
        var chunks = dataset.Documents.Values.SelectMany(document =>
        {
            cancellationToken.ThrowIfCancellationRequested(); // Ctrl-C is honoured while documents are chunked too
            return chunker.Split(document);
        }).ToList();
        using var index = new Bm25Index(chunks);
        var builder = new ContextBuilder(chunks, index, options.TopK, options.RefusalShare, options.Seed, dataset.RefusalAnswer);

        var stats = new PrepareStats
        {
            PromptFormat = ConfigNaming.EnumName(template.Format),
            Chunks = chunks.Count,
            SkippedInputLines = dataset.Skipped.ToList(),
            RefusalShareConfigured = options.RefusalShare,
        };
        var records = new Dictionary<Split, List<SplitRecord>>();
        var tokens = new Dictionary<Split, List<TokenRecord>>();
        foreach (var split in Enum.GetValues<Split>())
        {
            records[split] = [];
            tokens[split] = [];
            stats.Splits[split.ToString().ToLowerInvariant()] = new PrepareStats.SplitStats();
        }

        foreach (var pair in dataset.Pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var split = SplitAssigner.Assign(pair.Group, options.TrainRatio, options.ValidRatio);
            var example = builder.Build(pair, split);
            ExampleEncoder.Result result;
            try
            {
                result = encoder.Encode(example);
            }
            catch (ChatTemplateException e)
            {
                throw new StageException($"prepare: example {example.Id}: {e.Message}", e);
            }
            var splitStats = stats.Splits[split.ToString().ToLowerInvariant()];
            if (result.Encoded is not { } encoded)
            {
                splitStats.Dropped++;
                continue;
            }
            Audit(stats, tokenizer, template, encoder.EndId, example, encoded);
            splitStats.Examples++;
            if (example.Answerable) splitStats.Answerable++; else splitStats.Unanswerable++;
            if (example.OracleRemoved) splitStats.OracleRemoved++;
            if (result.PassagesRemoved > 0) splitStats.Truncated++;
            splitStats.AnswerTokens += encoded.InputIds.Count - encoded.LabelStart;
            records[split].Add(new SplitRecord(example.Id, encoder.SplitInput(example.Question, result.Passages), example.Answer,
                result.ContextIds, example.Answerable, example.Question, result.Passages, example.Group));
            tokens[split].Add(new TokenRecord(encoded.Id, encoded.InputIds, encoded.LabelStart));
        }

        foreach (var split in Enum.GetValues<Split>())
        {
            var name = split.ToString().ToLowerInvariant();
            stats.Splits[name].TokenLengths = PrepareStats.Percentiles(tokens[split].Select(t => t.InputIds.Count).ToList());
            SplitFiles.WriteLines(Path.Combine(context.OutputDirectory, SplitFiles.RecordsFile(split)), records[split]);
            SplitFiles.WriteLines(Path.Combine(context.OutputDirectory, SplitFiles.TokensFile(split)), tokens[split]);
        }
        var trainQuestions = records[Split.Train].Select(r => SquadText.Normalize(r.Question)).ToHashSet();
        stats.LeakedTestQuestions = records[Split.Test].Where(r => trainQuestions.Contains(SquadText.Normalize(r.Question))).Select(r => r.Id).ToList();

        new PromptFormatRecord(template.Format, instruction, dataset.RefusalAnswer, template.EndOfTurnToken, encoder.EndId,
            encoder.EncodePrompt("", []).FirstOrDefault() is var first && first == tokenizer.BosId ? tokenizer.BosId : null,
            template.ChatTemplate?.Template.Template, template.ChatTemplate is { } used ? Path.GetFileName(used.Template.SourceFile) : null,
            template.ChatTemplate is null ? null : bosToken, template.ChatTemplate is null ? null : eosToken).Write(context.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(context.OutputDirectory, ArtifactNames.PrepareStats), JsonSerializer.Serialize(stats, ConfigJson.Options) + "\n");
        AtomicFile.WriteAllText(Path.Combine(context.OutputDirectory, ArtifactNames.PrepareStatsMarkdown), stats.ToMarkdown());

        var train = stats.Splits["train"];
        var (valid, test) = (stats.Splits["valid"].Examples, stats.Splits["test"].Examples);
        var (dropped, truncated) = (stats.Splits.Values.Sum(s => s.Dropped), stats.Splits.Values.Sum(s => s.Truncated));
        if (dataset.Skipped.Count > 0)
            context.Console.WriteLine($"prepare: warning: {dataset.Skipped.Count} input line(s) skipped (data.on_error: skip), first: {dataset.Skipped[0]}");
        if (train.Examples == 0)
            throw new StageException(
                $"prepare: no training examples: {dataset.Pairs.Count} questions read, {dropped} dropped as longer than data.max_seq_length ({options.MaxSeqLength} tokens), " +
                $"{valid} valid / {test} test; raise data.max_seq_length or lower data.top_k / data.chunk_tokens");
        if (dropped > 0)
            context.Console.WriteLine($"prepare: warning: {dropped} of {dataset.Pairs.Count} examples dropped as longer than data.max_seq_length ({options.MaxSeqLength} tokens)");
        context.Console.MarkupLineInterpolated(
            $"prepare: {train.Examples} train / {valid} valid / {test} test examples, {dropped} dropped, {truncated} truncated, format {stats.PromptFormat}");
        if (stats.AnswerLostTokens + stats.MissingFinalEosLabel + stats.DoubledBos > 0)
            throw new StageException($"prepare: invariant broken (answers lost tokens: {stats.AnswerLostTokens}, missing end label: {stats.MissingFinalEosLabel}, doubled BOS: {stats.DoubledBos}); see stats above");
        return Task.CompletedTask;
    }

    // Re-checks each written example against what the tokenizer produces on its own.
    private static void Audit(PrepareStats stats, ModelTokenizer tokenizer, PromptTemplate template, int endId, RagExample example, EncodedExample encoded)
    {
        // The labels (less the end token) are the answer's own tokens, or (from the joint tokenization) decode to the whole answer.
        var answer = tokenizer.Encode(template.RenderAnswer(example.Answer), addSpecialTokens: false);
        var labels = encoded.InputIds.Skip(encoded.LabelStart).ToList();
        var body = labels.Take(Math.Max(0, labels.Count - 1)).ToList();
        if (!body.SequenceEqual(answer) && tokenizer.Decode(body, skipSpecialTokens: false).Trim() != example.Answer.Trim()) stats.AnswerLostTokens++;
        if (labels.Count == 0 || labels[^1] != endId) stats.MissingFinalEosLabel++;
        if (tokenizer.BosId is { } bos && encoded.InputIds.Count > 1 && encoded.InputIds[0] == bos && encoded.InputIds[1] == bos) stats.DoubledBos++;
    }
}
