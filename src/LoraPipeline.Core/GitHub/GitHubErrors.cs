using System.Net;
using LoraPipeline.Pipeline;
using Octokit;

namespace LoraPipeline.GitHub;

/// <summary>Turns Octokit and HTTP failures into <see cref="GitHubException"/>s that say what failed and what to do. Messages
/// pass through <see cref="GitHubToken.Redact"/>, and Octokit's exceptions are not attached, so the token cannot leak through
/// a server's echo or an exception's <c>ToString</c>.</summary>
internal static class GitHubErrors
{
    public static async Task<T> Guard<T>(GitHubSettings settings, string action, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TaskCanceledException)
        {
            throw Describe(settings, action, e);
        }
    }

    public static Task Guard(GitHubSettings settings, string action, Func<Task> call) =>
        Guard(settings, action, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });

    public static GitHubException Describe(GitHubSettings settings, string action, Exception e)
    {
        var where = $"{settings.Repository} ({UrlRedaction.Redact(settings.ApiUrl)})";
        var message = e switch
        {
            AuthorizationException a =>
                $"GitHub answered 401 Unauthorized ({a.Message}) to {action} in {where}: the token in GITHUB_TOKEN was rejected " +
                "(expired, revoked, or for another GitHub host); set a valid token",
            RateLimitExceededException r =>
                $"GitHub's rate limit was exceeded while trying to {action} in {where}; it resets at {r.Reset:u}",
            ForbiddenException f =>
                $"GitHub answered 403 Forbidden to {action} in {where}: {f.Message}; the token needs write access to the repository's " +
                "contents (in GitHub Actions: `permissions: contents: write`)",
            ApiValidationException v =>
                $"GitHub refused to {action} in {where} (422 Unprocessable Entity: {v.Message}{ValidationDetails(v)})",
            NotFoundException =>
                $"GitHub answered 404 Not Found to {action}: the repository {where} does not exist or the token cannot see it",
            ApiException api =>
                $"GitHub answered {(int)api.StatusCode} {api.StatusCode} to {action} in {where}: {api.Message}",
            TaskCanceledException =>
                $"GitHub did not answer in time to {action} in {where}",
            _ => $"could not reach GitHub at {UrlRedaction.Redact(settings.ApiUrl)} to {action}: {e.Message}",
        };
        return new GitHubException(settings.Token.Redact(message));
    }

    public static bool IsNotFound(Exception e) => e is NotFoundException || (e is ApiException a && a.StatusCode == HttpStatusCode.NotFound);

    private static string ValidationDetails(ApiValidationException e)
    {
        var errors = e.ApiError?.Errors;
        if (errors is null || errors.Count == 0) return "";
        return ": " + string.Join("; ", errors.Select(x =>
            string.Join(" ", new[] { x.Resource, x.Field, x.Code, x.Message }.Where(s => !string.IsNullOrEmpty(s)))));
    }
}
