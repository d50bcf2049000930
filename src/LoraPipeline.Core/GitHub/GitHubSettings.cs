using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.GitHub;

/// <summary>Where and as whom to release: the API base address (<c>GITHUB_API_URL</c>, for GitHub Enterprise), the repository
/// (<c>publish.repository</c> or <c>GITHUB_REPOSITORY</c>), the token (<c>GITHUB_TOKEN</c>) and the commit a new tag points at
/// (<c>GITHUB_SHA</c>).</summary>
internal sealed class GitHubSettings
{
    /// <summary>The public GitHub API.</summary>
    public static readonly Uri DefaultApiUrl = new("https://api.github.com/");

    /// <summary>API base address, always ending in <c>/</c>.</summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>Repository owner.</summary>
    public required string Owner { get; init; }

    /// <summary>Repository name.</summary>
    public required string Name { get; init; }

    /// <summary>The token.</summary>
    public required GitHubToken Token { get; init; }

    /// <summary>Commit for a new tag, or null for the default branch.</summary>
    public string? TargetCommitish { get; init; }

    /// <summary><c>owner/name</c>.</summary>
    public string Repository => $"{Owner}/{Name}";

    /// <summary>Resolves the settings, or returns null with <paramref name="skipReason"/> when the token or the repository is missing.</summary>
    /// <param name="options">The publish section.</param>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <param name="skipReason">Why there is nothing to release to.</param>
    public static GitHubSettings? Resolve(PublishOptions options, Func<string, string?> environment, out string? skipReason)
    {
        var repository = NonEmpty(options.Repository) ?? NonEmpty(environment("GITHUB_REPOSITORY"));
        var token = NonEmpty(environment("GITHUB_TOKEN"));
        skipReason = (token, repository) switch
        {
            (null, null) => "GITHUB_TOKEN is not set and no repository is configured (publish.repository or GITHUB_REPOSITORY)",
            (null, _) => "GITHUB_TOKEN is not set",
            (_, null) => "no repository is configured (set publish.repository or GITHUB_REPOSITORY)",
            _ => null,
        };
        if (skipReason is not null) return null;

        var parts = repository!.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p.Any(char.IsWhiteSpace)))
            throw new GitHubException($"publish.repository: '{repository}' is not of the form owner/name");
        return new GitHubSettings
        {
            ApiUrl = ParseApiUrl(NonEmpty(environment("GITHUB_API_URL"))),
            Owner = parts[0],
            Name = parts[1],
            Token = new GitHubToken(token!),
            TargetCommitish = NonEmpty(environment("GITHUB_SHA")),
        };
    }

    /// <summary>The repository and API address; never the token.</summary>
    public override string ToString() => $"{Repository} at {UrlRedaction.Redact(ApiUrl)}";

    private static Uri ParseApiUrl(string? value)
    {
        if (value is null) return DefaultApiUrl;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new GitHubException($"GITHUB_API_URL: '{value}' is not an http(s) address");
        // Used as given (e.g. https://ghe.example.com/api/v3): relative API paths resolve below it only with a trailing slash.
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
