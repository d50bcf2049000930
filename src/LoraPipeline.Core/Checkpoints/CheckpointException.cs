namespace LoraPipeline.Checkpoints;

/// <summary>A checkpoint or model folder that cannot be used; the message names the file (and tensor or key) and what to do.</summary>
internal sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
