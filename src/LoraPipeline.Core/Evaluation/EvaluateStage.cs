using System.Diagnostics;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.GitHub;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Tokenization;
using LoraPipeline.Torch;
using LoraPipeline.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Evaluation;

/// <summary>
/// The Evaluate stage: on the test split, the base model and base + adapter with the same prompts: answer-only
/// loss and perplexity, batched greedy generation with the KV cache, EM / F1 / ROUGE-L, refusal accuracy and
/// grounding; then the gate. Writes report.json, report.md, predictions.jsonl and two PNGs. A failed gate is
/// recorded in the committed report and makes the command exit non-zero (also when the stage is up to date).
/// <para>
/// <c>eval.baseline</c> is a path to a <c>report.json</c> (its content is part of the fingerprint) or <c>release:TAG</c> /
/// <c>release:latest</c>, fetched through <see cref="GitHub.ReleaseBaseline"/> when the stage runs, before any model is loaded. For a
/// release the fingerprint covers the literal value (<c>release:latest</c>), not the fetched file: an up-to-date stage keeps the
/// verdict against the report it fetched when it ran, and does not ask GitHub again. What it was compared with is recorded: the
/// fetched file is kept as <c>baseline.json</c>, and every <c>baseline.*</c> check names the release tag and the file's SHA-256.
/// To compare with a newer release, name its tag (a config change reruns the stage) or delete the <c>evaluate/</c> folder.
/// </para>
/// </summary>
internal sealed class EvaluateStage : IStage, IStageFollowUp
{
    private readonly Func<string, string?> _environment;

    /// <summary>Creates the stage; <paramref name="environment"/> reads environment variables (the process's by default), used for
    /// the GitHub settings of a <c>release:</c> baseline.</summary>
    public EvaluateStage(Func<string, string?>? environment = null) =>
        _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <inheritdoc />
    public string Name => "evaluate";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert", "prepare", "train"];

    /// <inheritdoc />
    public bool UsesTorch => true;

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Eval, config.Train.Precision, config.Train.Device };

    /// <inheritdoc />
    public IEnumerable<string> InputFiles(StageInputs inputs) =>
        inputs.Config.Eval.Baseline is { } baseline && !GitHub.ReleaseBaseline.IsRelease(baseline)
            ? [Path.GetFullPath(Path.Combine(inputs.BaseDirectory, baseline))]
            : [];

    /// <inheritdoc />
    public async Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var config = context.Config;
        var options = config.Eval;
        var (baseline, baselineSource) = await ReadBaselineAsync(context, cancellationToken).ConfigureAwait(false);
        var prepare = context.UpstreamDirectory("prepare");
        var convert = context.UpstreamDirectory("convert");
        var adapterDirectory = Path.Combine(context.UpstreamDirectory("train"), ArtifactNames.AdapterFolder);
        var format = PromptFormatRecord.Read(prepare);
        context.Console.WriteLine($"evaluate: prompt format {format.Description} (the prompts Prepare rendered)");
        var records = SplitFiles.ReadLines<SplitRecord>(Path.Combine(prepare, SplitFiles.RecordsFile(Split.Test)));
        var tokens = SplitFiles.ReadLines<TokenRecord>(Path.Combine(prepare, SplitFiles.TokensFile(Split.Test)));
        if (options.MaxExamples > 0)
        {
            records = records.Take(options.MaxExamples).ToList();
            tokens = tokens.Take(options.MaxExamples).ToList();
        }
        if (records.Count == 0) throw new StageException("evaluate: the test split is empty; raise data.test_ratio");

        var tokenizer = ModelTokenizer.Load(convert);
        var device = TorchRuntime.ParseDevice(config.Train.Device);
        var dtype = ComputeDtype.Resolve(config.Train.Precision, device, line => context.Console.MarkupLineInterpolated($"evaluate: {line}"));
        using var model = LlamaForCausalLM.Load(convert, dtype, device);
        var stops = new[] { format.EndId }.Concat(model.Config.EosTokenIds).Distinct().ToList();

        context.Console.MarkupLineInterpolated($"evaluate: {records.Count} test examples, base model");
        var baseLoss = AnswerLoss.Mean(model, tokens, options.BatchSize, device);
        var baseAnswers = Generate(model, tokenizer, tokens, stops, options, cancellationToken);
        var adapter = LoadedAdapter.Apply(model, adapterDirectory);
        context.Console.MarkupLineInterpolated($"evaluate: base + adapter ({adapter.Description})");
        var adapterLoss = AnswerLoss.Mean(model, tokens, options.BatchSize, device);
        var adapterAnswers = Generate(model, tokenizer, tokens, stops, options, cancellationToken);

        var refusal = format.RefusalAnswer;
        List<MetricSummary.Answered> Answered(IReadOnlyList<string> answers) =>
            records.Select((r, i) => new MetricSummary.Answered(answers[i], r.Output, r.Answerable, r.Context)).ToList();
        var baseMetrics = MetricSummary.Compute(baseLoss, Answered(baseAnswers), refusal);
        var adapterMetrics = MetricSummary.Compute(adapterLoss, Answered(adapterAnswers), refusal);
        var verdict = Gate.Evaluate(options, baseMetrics, adapterMetrics, baseline, baselineSource);

        var predictions = records.Select((r, i) => new Prediction(r.Id, r.Question, r.Output, r.Answerable, baseAnswers[i], adapterAnswers[i],
            AnswerMetrics.TokenF1(baseAnswers[i], [r.Output]), AnswerMetrics.TokenF1(adapterAnswers[i], [r.Output]),
            AnswerMetrics.ExactMatch(adapterAnswers[i], [r.Output]),
            RagMetrics.IsRefusal(adapterAnswers[i], refusal) ? null : RagMetrics.IsGrounded(adapterAnswers[i], r.Context))).ToList();
        var report = new EvaluationReport
        {
            Gate = verdict with { AdapterSha256 = FileHashing.Sha256File(Path.Combine(adapterDirectory, ArtifactNames.AdapterWeights)) },
            Metrics = new() { ["base"] = baseMetrics, ["adapter"] = adapterMetrics },
            Model = new()
            {
                ["source"] = config.Model.Source,
                ["revision"] = config.Model.Revision,
                // The commit a Hub revision resolved to when the base was downloaded (null for local and built-in bases).
                ["commit"] = ModelPointer.ResolvedCommit(context.ArtifactsDirectory),
            },
            Dataset = config.Data.Examples ?? config.Data.Dataset,
            Examples = records.Count,
            PromptFormat = format.FormatName,
            ChatTemplateFile = format.ChatTemplateFile,
            // data too: a packed or mixed run's report says so (data.packing, data.train_files and their probabilities).
            Config = new() { ["data"] = ConfigJson.DataSection(config.Data), ["lora"] = config.Lora, ["train"] = config.Train, ["eval"] = options },
            Fingerprints = Upstream.ToDictionary(s => s, s => StageManifest.TryRead(context.UpstreamDirectory(s))?.Fingerprint ?? ""),
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
        };

        var output = context.OutputDirectory;
        SplitFiles.WriteLines(Path.Combine(output, ArtifactNames.Predictions), predictions);
        AtomicFile.WriteAllText(Path.Combine(output, ArtifactNames.Report), report.ToJson());
        var markdown = report.ToMarkdown(predictions);
        AtomicFile.WriteAllText(Path.Combine(output, ArtifactNames.ReportMarkdown), markdown);
        MetricsChart.Write(Path.Combine(output, ArtifactNames.MetricsPlot), baseMetrics, adapterMetrics);
        var trainMetrics = MetricsLog.Read(Path.Combine(context.UpstreamDirectory("train"), ArtifactNames.TrainMetrics));
        LossCurvePlot.Write(Path.Combine(output, ArtifactNames.LossCurvesPlot), trainMetrics, "Training and validation loss");

        context.Console.MarkupLineInterpolated(
            $"evaluate: loss {baseLoss:0.0000} -> {adapterLoss:0.0000}; exact match {baseMetrics["exact_match"]:0.0} -> {adapterMetrics["exact_match"]:0.0}; gate {(verdict.Passed ? "passed" : "FAILED")}");
        GitHubActions.Publish(markdown, verdict);
    }

    /// <summary>The baseline's adapter metrics and, for a release, a line naming it (tag, asset, SHA-256); both null without
    /// <c>eval.baseline</c>. A fetched report is written to <see cref="ArtifactNames.Baseline"/> in the output folder.</summary>
    private async Task<(IReadOnlyDictionary<string, double>? Metrics, string? Source)> ReadBaselineAsync(StageContext context,
        CancellationToken cancellationToken)
    {
        if (context.Config.Eval.Baseline is not { } baseline) return (null, null);
        try
        {
            if (!GitHub.ReleaseBaseline.IsRelease(baseline)) return (Gate.ReadBaseline(context.Resolve(baseline)), null);
            var report = await GitHub.ReleaseBaseline.FetchAsync(baseline, context.Config.Publish, _environment, cancellationToken).ConfigureAwait(false);
            var metrics = Gate.ParseBaseline(System.Text.Encoding.UTF8.GetString(report.Content), $"report.json of release {report.Tag} of {report.Repository} ({report.Source})");
            AtomicFile.Write(Path.Combine(context.OutputDirectory, ArtifactNames.Baseline), output => output.Write(report.Content));
            context.Console.MarkupLineInterpolated($"evaluate: baseline {baseline}: {report.Describe()}");
            return (metrics, report.Describe());
        }
        catch (InvalidDataException e)
        {
            throw new StageException(e.Message, e);
        }
    }

    private static List<string> Generate(LlamaForCausalLM model, ModelTokenizer tokenizer, IReadOnlyList<TokenRecord> tokens, IReadOnlyList<int> stops,
        EvalOptions options, CancellationToken cancellationToken)
    {
        model.eval();
        var answers = new List<string>(tokens.Count);
        var sampling = new SamplingOptions { MaxNewTokens = options.MaxNewTokens, EosTokenIds = stops };
        for (var start = 0; start < tokens.Count; start += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prompts = tokens.Skip(start).Take(options.BatchSize).Select(t => (IReadOnlyList<int>)t.InputIds.Take(t.LabelStart).ToList()).ToList();
            foreach (var generated in TokenGenerator.Generate(model, prompts, sampling))
                answers.Add(tokenizer.Decode(generated.Where(id => !stops.Contains(id)), skipSpecialTokens: true).Trim());
        }
        return answers;
    }

    /// <summary>Checks the committed gate verdict after every run, also when the stage was up to date.</summary>
    public Task FollowUpAsync(PipelineRun run, string stageDirectory, CancellationToken cancellationToken)
    {
        EnsurePassed(stageDirectory);
        return Task.CompletedTask;
    }

    /// <summary>Throws <see cref="GateFailedException"/> when the report in <paramref name="stageDirectory"/> records a failed gate.</summary>
    public static void EnsurePassed(string stageDirectory)
    {
        var path = Path.Combine(stageDirectory, ArtifactNames.Report);
        GateVerdict gate;
        try
        {
            gate = EvaluationReport.Read(path).RequireGate(path);
        }
        catch (InvalidDataException e)
        {
            throw new StageException($"evaluate: {e.Message}", e);
        }
        if (gate.Passed) return;
        throw new GateFailedException($"the evaluation gate failed ({path}):\n  " + string.Join("\n  ", gate.Reasons));
    }
}
