namespace LoraPipeline.Pipeline;

/// <summary>
/// A stage with work outside the artifacts folder (a release, for example) that must happen on every run, not only when the
/// stage's outputs were rebuilt: <see cref="StageRunner"/> calls it after the outputs were committed or found up to date, while
/// it still holds the stage's lock. It must be idempotent.
/// </summary>
internal interface IStageFollowUp
{
    /// <summary>Runs the follow-up against the committed outputs in <paramref name="stageDirectory"/>.</summary>
    Task FollowUpAsync(PipelineRun run, string stageDirectory, CancellationToken cancellationToken);
}
