using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Evaluation;
using LoraPipeline.GitHub;
using LoraPipeline.Lora;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Publishing;

/// <summary>
/// The Publish stage. Its outputs (incremental like every stage) are the package in <c>publish/</c>, built only past a passing
/// gate for exactly the trained adapter. Its follow-up, on every run, releases the package on GitHub when <c>GITHUB_TOKEN</c>
/// and a repository are set, and otherwise says that the release was skipped and why (the run still succeeds).
/// </summary>
internal sealed class PublishStage : IStage, IStageFollowUp
{
    private readonly Func<string, string?> _environment;

    /// <summary>Creates the stage; <paramref name="environment"/> reads environment variables (the process's by default).</summary>
    public PublishStage(Func<string, string?>? environment = null) =>
        _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <inheritdoc />
    public string Name => "publish";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert", "prepare", "train", "evaluate"];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) =>
        new { config.Publish.Version, config.Publish.Tag, config.Publish.License, config.Publish.Language, config.Publish.IncludeMerged };

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var options = context.Config.Publish;
        var tag = ReleaseTag.From(options);
        var sources = PackageSources.FromArtifacts(context.ArtifactsDirectory);
        void Log(string line) => context.Console.MarkupLineInterpolated($"publish: {line}");
        if (options.IncludeMerged)
        {
            // The same merge as `lora merge`, into scratch space; the packager copies it under merged/.
            var merged = Path.Combine(context.ScratchDirectory, ArtifactNames.MergedFolder);
            try
            {
                MergedCheckpointWriter.Write(sources.ConvertDirectory, sources.AdapterDirectory, merged, dtype: null, log: Log);
            }
            catch (Exception e) when (e is LoraException or CheckpointException)
            {
                throw new PublishException($"publish.include_merged: merging the adapter into the base failed: {e.Message}", e);
            }
            sources = sources with { MergedCheckpointDirectory = merged };
        }
        AdapterPackager.Build(sources, context.OutputDirectory, context.Config, tag, Log);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task FollowUpAsync(PipelineRun run, string stageDirectory, CancellationToken cancellationToken)
    {
        var options = run.Config.Publish;
        var tag = ReleaseTag.From(options);
        var package = AdapterPackage.Open(stageDirectory, tag);
        var reportPath = Path.Combine(package.FolderPath, ArtifactNames.Report);
        var adapterPath = Path.Combine(package.FolderPath, ArtifactNames.AdapterWeights);
        var report = PublishGate.ReadReport(reportPath);
        PublishGate.Require(report, Pipeline.FileHashing.Sha256File(adapterPath), reportPath, adapterPath);

        var settings = GitHubSettings.Resolve(options, _environment, out var skipReason);
        if (settings is null)
        {
            run.Console.MarkupLineInterpolated($"[yellow]publish: GitHub release skipped: {skipReason}[/]; the package is in {package.Directory}");
            return;
        }
        run.Console.MarkupLineInterpolated($"publish: releasing {tag} to {settings.Repository} via {UrlRedaction.Redact(settings.ApiUrl)}");
        var publisher = new ReleasePublisher(settings, line => run.Console.MarkupLineInterpolated($"publish: {line}"));
        var result = await publisher.PublishAsync(
            new ReleasePublisher.Request(package, report, options.Draft, options.Prerelease, options.Overwrite), cancellationToken).ConfigureAwait(false);
        run.Console.MarkupLineInterpolated($"[green]publish[/]: {result.Summary}");
    }
}
