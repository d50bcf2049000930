using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>
/// One pipeline stage: the unit of incrementality. The runner fingerprints what the stage reads,
/// skips it when nothing changed, and otherwise runs it into a temporary folder that is moved into
/// place with its <c>stage.json</c> only after the stage finished.
/// </summary>
internal interface IStage
{
    /// <summary>Lower-case stage name, also the output folder name (for example <c>train</c>).</summary>
    string Name { get; }

    /// <summary>Stages whose outputs this one reads; their fingerprints are part of this one's.</summary>
    IReadOnlyList<string> Upstream { get; }

    /// <summary>Whether the stage computes with libtorch (its thread count is set before it runs).</summary>
    bool UsesTorch => false;

    /// <summary>Bumped when the stage's output format or algorithm changes, so old outputs are rebuilt.</summary>
    int Revision => 1;

    /// <summary>The configuration this stage depends on (hashed canonically into the fingerprint).</summary>
    object ConfigSection(PipelineConfig config);

    /// <summary>
    /// Checks the values of this stage's keys that the config schema cannot (formats such as <c>model.source</c>),
    /// so that <c>lora config</c> and every command refuse them before anything runs; throw
    /// <see cref="PipelineConfig.Problem"/>, which names the file line or <c>--set</c> the value came from.
    /// </summary>
    void CheckConfig(PipelineConfig config) { }

    /// <summary>
    /// Checks that the files this stage's keys name exist on this machine (<c>data.train_files</c>): run before any stage runs,
    /// but only warned about by <c>lora config</c>, whose config may be meant for another machine (a cluster's <c>/data</c>).
    /// </summary>
    void CheckInputs(PipelineConfig config) { }

    /// <summary>Files outside the artifacts folder that the stage reads (hashed into the fingerprint).</summary>
    IEnumerable<string> InputFiles(StageInputs inputs) => [];

    /// <summary>
    /// Something outside the config and files that the stage's result depends on and that can change by itself (the
    /// commit a Hub branch points at now), resolved before the fingerprint and hashed into it; null when there is none.
    /// </summary>
    Task<string?> ResolveExternalInputAsync(StageInputs inputs, Spectre.Console.IAnsiConsole console, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    /// <summary>Does the work, writing every output under <see cref="StageContext.OutputDirectory"/>.</summary>
    Task RunAsync(StageContext context, CancellationToken cancellationToken);
}

/// <summary>What a stage may consult to list its input files.</summary>
/// <param name="Config">The resolved configuration.</param>
/// <param name="BaseDirectory">Folder that relative config paths are resolved against.</param>
internal sealed record StageInputs(PipelineConfig Config, string BaseDirectory);
