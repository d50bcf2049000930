namespace LoraPipeline.Pipeline;

/// <summary>A stage cannot run or failed in a way the user can act on; the message says what to do.</summary>
internal class StageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A stage's committed verdict failed (the evaluation gate); the message lists the reasons.</summary>
internal sealed class GateFailedException(string message) : StageException(message);
