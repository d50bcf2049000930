using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>Publishing cannot go on: a failed or stale gate, a bad package, or GitHub refused a request. The message says what to do
/// and never holds the GitHub token.</summary>
internal sealed class PublishException(string message, Exception? inner = null) : StageException(message, inner);
