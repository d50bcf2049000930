using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Selection;

/// <summary>
/// The Select stage: ranks the catalogue for the config's <c>select</c> section and writes <c>select/choice.json</c>,
/// <c>report.md</c> and <c>latency-throughput.png</c>; <c>model.source: select:choice</c> then makes Download take the choice.
/// </summary>
internal sealed class SelectStage : IStage
{
    /// <inheritdoc />
    public string Name => "select";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => [];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Select, config.Lora.R, config.Lora.TargetModules };

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var s = context.Config.Select;
        var settings = new SelectionSettings
        {
            UseCase = s.UseCase,
            Dev = s.Dev ?? throw new StageException("select.dev: required (e.g. 1xA100-80GB or this-machine); set it in the config or with --set select.dev=..."),
            Prod = s.Prod ?? throw new StageException("select.prod: required (e.g. 2xH200); set it in the config or with --set select.prod=..."),
            PromptTokens = s.PromptTokens,
            NewTokens = s.NewTokens,
            TrainSeqLength = s.TrainSeqLen,
            Precision = s.Precision,
            Licenses = s.Licenses,
            Candidates = s.Candidates,
            Catalogue = s.Catalogue is null ? null : context.Resolve(s.Catalogue),
            MaxTokenMs = s.MaxTokenMs,
            MaxFirstTokenMs = s.MaxFirstTokenMs,
            MinTokensPerSecond = s.MinTokensPerSecond,
        };
        try
        {
            var (request, ranked) = SelectionRun.Run(settings, context.Config, context.OutputDirectory);
            SelectionTable.Write(context.Console, request, ranked);
        }
        catch (SelectionException e)
        {
            throw new StageException($"select.{e.Message}", e);
        }
        return Task.CompletedTask;
    }
}
