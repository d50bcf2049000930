namespace LoraPipeline.Pipeline;

/// <summary>What the runner did with a stage.</summary>
internal enum StageOutcome
{
    /// <summary>Fingerprint and outputs matched: nothing ran.</summary>
    UpToDate,
    /// <summary>The stage ran and its outputs were committed.</summary>
    Ran,
}
