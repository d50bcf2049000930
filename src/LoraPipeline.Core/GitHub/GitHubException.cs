using LoraPipeline.Pipeline;

namespace LoraPipeline.GitHub;

/// <summary>A GitHub call failed in a way the user can act on (token, repository, release, network); the message says what to do.</summary>
internal sealed class GitHubException(string message, Exception? inner = null) : StageException(message, inner);
