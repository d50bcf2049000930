namespace LoraPipeline.Hub;

/// <summary>A failure worth retrying (connection reset, timeout, HTTP 5xx or 429); never escapes <see cref="HubClient"/>.</summary>
internal sealed class HubTransientException(string message, Exception? innerException = null) : Exception(message, innerException);
