namespace LoraPipeline.Pipeline;

/// <summary>A stage whose committed outputs carry a verdict that must pass (the evaluation gate), checked after
/// the stage ran and also when it was up to date.</summary>
public interface IVerdictStage
{
    /// <summary>Throws <see cref="GateFailedException"/> when the committed verdict in <paramref name="stageDirectory"/> failed.</summary>
    void EnsurePassed(string stageDirectory);
}

/// <summary>The committed verdict of a stage failed; the message lists the reasons.</summary>
public sealed class GateFailedException(string message) : StageException(message);
