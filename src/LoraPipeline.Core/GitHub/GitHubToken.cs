namespace LoraPipeline.GitHub;

/// <summary>A GitHub token that never shows itself: <see cref="ToString"/> prints a mask, and <see cref="Redact"/> removes it
/// from any text (a server message that echoes it, for example) before that text reaches a console or an exception.</summary>
internal sealed class GitHubToken
{
    private readonly string _value;

    /// <summary>Wraps a non-empty token.</summary>
    public GitHubToken(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value.Trim();
    }

    /// <summary>The token itself, for the HTTP client only.</summary>
    internal string Reveal() => _value;

    /// <summary>Replaces every occurrence of the token in <paramref name="text"/> with <c>***</c>.</summary>
    public string Redact(string text) => text.Replace(_value, "***", StringComparison.Ordinal);

    /// <summary>A mask, never the token.</summary>
    public override string ToString() => "GitHubToken(***)";
}
