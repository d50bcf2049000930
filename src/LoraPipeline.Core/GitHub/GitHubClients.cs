using System.Net.Http.Headers;
using Octokit;
using Octokit.Internal;

namespace LoraPipeline.GitHub;

/// <summary>Clients for one <see cref="GitHubSettings"/>: Octokit for the REST API, and a plain HTTP client for asset downloads.</summary>
internal static class GitHubClients
{
    private static string UserAgentVersion => CoreInfo.Version.Split('+')[0];

    /// <summary>An Octokit client authenticated with the settings' token against their API address.</summary>
    public static IGitHubClient Octokit(GitHubSettings settings)
    {
        var credentials = new InMemoryCredentialStore(new Credentials(settings.Token.Reveal()));
        var connection = new Connection(new Octokit.ProductHeaderValue("LoraPipeline", UserAgentVersion), settings.ApiUrl, credentials);
        return new GitHubClient(connection);
    }

    /// <summary>
    /// An HTTP client for the asset API (<c>Accept: application/octet-stream</c>). GitHub answers with a redirect to a signed
    /// storage address; redirects are followed and .NET drops the <c>Authorization</c> header on them, so the token goes to the
    /// API host only.
    /// </summary>
    public static HttpClient Download(GitHubSettings settings)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 })
        {
            Timeout = TimeSpan.FromMinutes(10),
        };
        client.DefaultRequestHeaders.UserAgent.Add(new System.Net.Http.Headers.ProductInfoHeaderValue("LoraPipeline", UserAgentVersion));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", settings.Token.Reveal());
        return client;
    }
}
