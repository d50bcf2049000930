using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>The committed stage folders a package is built from.</summary>
/// <param name="ConvertDirectory"><c>convert/</c>: the tokenizer files the adapter was trained with.</param>
/// <param name="PrepareDirectory"><c>prepare/</c>: <c>prompt_format.json</c>.</param>
/// <param name="TrainDirectory"><c>train/</c>: <c>adapter/</c> (PEFT files) and <c>loss.png</c>.</param>
/// <param name="EvaluateDirectory"><c>evaluate/</c>: <c>report.json</c>, <c>report.md</c>, <c>metrics.png</c>.</param>
/// <param name="MergedCheckpointDirectory">Hook for the merged checkpoint: a folder copied under <c>merged/</c>, or null
/// (<c>publish.include_merged</c> fills it with a merge made in the stage's scratch folder).</param>
/// <param name="ArtifactsDirectory">The run's artifacts folder, whose <c>download/source.json</c> holds the base model's licence; null: unknown.</param>
internal sealed record PackageSources(
    string ConvertDirectory, string PrepareDirectory, string TrainDirectory, string EvaluateDirectory, string? MergedCheckpointDirectory = null,
    string? ArtifactsDirectory = null)
{
    /// <summary>Builds the sources from a run's artifacts folder with the standard stage folder names.</summary>
    public static PackageSources FromArtifacts(string artifactsDirectory) => new(
        Path.Combine(artifactsDirectory, "convert"), Path.Combine(artifactsDirectory, "prepare"),
        Path.Combine(artifactsDirectory, "train"), Path.Combine(artifactsDirectory, "evaluate"), ArtifactsDirectory: artifactsDirectory);

    /// <summary><c>train/adapter/</c>.</summary>
    public string AdapterDirectory => Path.Combine(TrainDirectory, ArtifactNames.AdapterFolder);
}
