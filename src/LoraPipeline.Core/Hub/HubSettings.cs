using LoraPipeline.Pipeline;

namespace LoraPipeline.Hub;

/// <summary>
/// Where the Hugging Face Hub is and how to reach it: endpoint (<c>HF_ENDPOINT</c>), token (<c>HF_TOKEN</c>),
/// cache folder (<c>HF_HUB_CACHE</c>, else <c>HF_HOME</c>/hub), offline mode (<c>HF_HUB_OFFLINE</c>) and retry tuning.
/// The token is never shown: <see cref="ToString"/> only says whether one is set.
/// </summary>
internal sealed class HubSettings
{
    /// <summary>The public Hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Creates settings explicitly (tests, embedding); see <see cref="FromEnvironment"/> for the usual way.</summary>
    /// <param name="cacheDirectory">The hub cache folder itself (the one holding <c>models--org--name</c> folders).</param>
    /// <param name="endpoint">Hub or mirror base URL; <see cref="DefaultEndpoint"/> when null.</param>
    /// <param name="token">Access token for gated or private models; sent only as <c>Authorization: Bearer</c>.</param>
    /// <param name="offline">Use the cache only and never touch the network.</param>
    public HubSettings(string cacheDirectory, string? endpoint = null, string? token = null, bool offline = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDirectory);
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        Endpoint = NormalizeEndpoint(string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint);
        Token = string.IsNullOrWhiteSpace(token) ? null : token.Trim();
        Offline = offline;
    }

    /// <summary>The hub cache folder (the one holding <c>models--org--name</c> folders).</summary>
    public string CacheDirectory { get; }

    /// <summary>Hub base URL without a trailing slash.</summary>
    public string Endpoint { get; }

    /// <summary>The access token; internal so that it cannot leak through public surfaces.</summary>
    internal string? Token { get; }

    /// <summary>True when an access token is configured.</summary>
    public bool HasToken => Token is not null;

    /// <summary>Cache only: no network request is ever made.</summary>
    public bool Offline { get; }

    /// <summary>Retries after a transient failure (connection reset, timeout, HTTP 5xx or 429); 0 disables retrying.</summary>
    public int MaxRetryAttempts { get; init; } = 4;

    /// <summary>First retry delay; later ones grow exponentially (with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for response headers, and for each chunk of a response body, before treating the request as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads the settings the way <c>huggingface_hub</c> does: <c>HF_ENDPOINT</c>; <c>HF_TOKEN</c>, else the token file
    /// <c>HF_HOME/token</c> written by <c>huggingface-cli login</c>; <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c> with
    /// <c>HF_HOME</c> defaulting to <c>$XDG_CACHE_HOME/huggingface</c> or <c>~/.cache/huggingface</c>;
    /// <c>HF_HUB_OFFLINE</c> = 1/true/yes/on.
    /// </summary>
    /// <param name="getVariable">Variable lookup; the process environment when null.</param>
    public static HubSettings FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getVariable(name) is { Length: > 0 } value ? value : null;

        var home = Get("HF_HOME") ?? Path.Combine(
            Get("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface");
        home = ExpandHome(home);
        var cache = ExpandHome(Get("HF_HUB_CACHE") ?? Path.Combine(home, "hub"));
        var token = Get("HF_TOKEN") ?? ReadTokenFile(Path.Combine(home, "token"));
        var offline = Get("HF_HUB_OFFLINE")?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";
        return new HubSettings(cache, Get("HF_ENDPOINT"), token, offline);
    }

    /// <summary>Describes the settings with the token masked.</summary>
    public override string ToString() =>
        $"HubSettings {{ Endpoint = {UrlRedaction.Redact(Endpoint)}, Token = {(HasToken ? "(set, hidden)" : "(none)")}, CacheDirectory = {CacheDirectory}, Offline = {Offline} }}";

    private static string NormalizeEndpoint(string endpoint)
    {
        var trimmed = endpoint.Trim().TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"HF_ENDPOINT must be an http(s) URL, not '{trimmed}'", nameof(endpoint));
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw new ArgumentException("HF_ENDPOINT must not carry credentials; set HF_TOKEN instead", nameof(endpoint));
        return trimmed;
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    private static string? ReadTokenFile(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
