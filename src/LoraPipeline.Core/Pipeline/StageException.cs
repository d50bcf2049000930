namespace LoraPipeline.Pipeline;

/// <summary>A stage cannot run or failed in a way the user can act on; the message says what to do.</summary>
internal class StageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A stage's committed verdict failed (the evaluation gate); the message lists the reasons.</summary>
internal sealed class GateFailedException(string message) : StageException(message);

/// <summary>How a stage's remote job (a Slurm batch job) ended, for the command's exit code.</summary>
internal enum RemoteJobEnd
{
    /// <summary>It failed (exit code 1).</summary>
    Failed,
    /// <summary>The command on the node refused its configuration (exit code 2).</summary>
    ConfigError,
    /// <summary>It was cancelled or interrupted before it finished (exit code 130).</summary>
    Interrupted,
}

/// <summary>A stage's remote job ended without its result; the message says how, with the job log's last lines.</summary>
internal sealed class RemoteJobException(string message, RemoteJobEnd end) : StageException(message)
{
    /// <summary>How the job ended.</summary>
    public RemoteJobEnd End { get; } = end;
}
