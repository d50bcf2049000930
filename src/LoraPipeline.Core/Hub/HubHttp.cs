using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LoraPipeline.Pipeline;
using Polly.Retry;
using Polly;

namespace LoraPipeline.Hub;

/// <summary>
/// HTTP to the Hub: bearer token (only to the configured endpoint), status codes mapped to <see cref="HubException"/>s
/// a user can act on, transient failures to <see cref="HubTransientException"/> for the Polly retry pipeline.
/// </summary>
internal sealed partial class HubHttp : IDisposable
{
    private readonly HubSettings _settings;
    private readonly HttpClient _client;

    public HubHttp(HubSettings settings)
    {
        _settings = settings;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            ConnectTimeout = settings.RequestTimeout,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = settings.RequestTimeout,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("LoraPipeline", typeof(HubHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public HubSettings Settings => _settings;

    /// <summary>Exponential backoff with jitter over <see cref="HubTransientException"/>; each retry is reported to <paramref name="log"/>.</summary>
    public ResiliencePipeline RetryPipeline(Action<string> log)
    {
        if (_settings.MaxRetryAttempts <= 0) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HubTransientException>(),
                MaxRetryAttempts = _settings.MaxRetryAttempts,
                Delay = _settings.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    log($"{args.Outcome.Exception?.Message}; retry {args.AttemptNumber + 1} of {_settings.MaxRetryAttempts} in {args.RetryDelay.TotalSeconds:0.##} s");
                    return default;
                },
            })
            .Build();
    }

    /// <summary>A GET carrying the bearer token when, and only when, it goes to the configured endpoint.</summary>
    public HttpRequestMessage Get(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (_settings.Token is { } token && IsEndpointUrl(url))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>Sends and returns a 2xx (or 416) response with its headers read; throws for everything else.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HubTarget target, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HubTransientException($"{target}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HubTransientException($"{target}: no answer from {UrlRedaction.Redact(_settings.Endpoint)} within {_settings.RequestTimeout.TotalSeconds:0.##} s", e);
        }
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return response;
        using (response) throw StatusError(response.StatusCode, target);
    }

    /// <summary>GETs JSON (retrying transient failures); also returns the <c>Link: &lt;…&gt;; rel="next"</c> page URL if any.</summary>
    public async Task<(T Value, string? Next)> GetJsonAsync<T>(string url, HubTarget target, ResiliencePipeline retry, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(async token =>
        {
            using var request = Get(url);
            using var response = await SendAsync(request, target, token);
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(token);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new HubTransientException($"{target}: connection lost while reading the Hub's answer: {e.Message}", e);
            }
            T? value;
            try
            {
                value = JsonSerializer.Deserialize<T>(text, Json);
            }
            catch (JsonException e)
            {
                throw new HubException(HubErrorKind.BadResponse, $"{target}: {UrlRedaction.Redact(_settings.Endpoint)} answered something that is not the expected JSON ({e.Message})", e);
            }
            if (value is null)
                throw new HubException(HubErrorKind.BadResponse, $"{target}: {UrlRedaction.Redact(_settings.Endpoint)} answered an empty document");
            return (value, NextPage(response, url));
        }, cancellationToken);
    }

    /// <summary>Maps a failed status to an actionable error (401/403, 404) or a transient one (408, 429, 5xx).</summary>
    public Exception StatusError(HttpStatusCode status, HubTarget target)
    {
        var code = (int)status;
        var endpoint = _settings.Endpoint;
        switch (code)
        {
            case 401 or 403:
                return new HubException(HubErrorKind.Unauthorized,
                    $"{target}: access denied by {endpoint} (HTTP {code}). The model is gated or private (or does not exist): " +
                    $"open {endpoint}/{target.RepoId} while logged in and accept its licence, then create an access token at " +
                    $"{endpoint}/settings/tokens and set HF_TOKEN. " +
                    (_settings.HasToken ? "HF_TOKEN is set, but this token was refused for this repository." : "HF_TOKEN is not set."));
            case 404:
                return new HubException(HubErrorKind.NotFound, target.File is null
                    ? $"{target.RepoId}@{target.Revision}: not found on {endpoint} (HTTP 404): check the repository id '{target.RepoId}' and the revision '{target.Revision}' (a branch, tag or full commit sha)"
                    : $"{target}: file not found on {endpoint} (HTTP 404) although the repository listing names it");
            case 408 or 429 or >= 500:
                return new HubTransientException($"{target}: {endpoint} answered HTTP {code} ({status})");
            default:
                return new HubException(HubErrorKind.Network, $"{target}: unexpected HTTP {code} ({status}) from {endpoint}");
        }
    }

    private string? NextPage(HttpResponseMessage response, string current)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
        {
            var match = NextLinkPattern().Match(value);
            if (!match.Success) continue;
            var next = new Uri(new Uri(current), match.Groups[1].Value).AbsoluteUri;
            if (!IsEndpointUrl(next))
                throw new HubException(HubErrorKind.BadResponse, $"the Hub's listing continues at a different site ({new Uri(next).Host}); refusing to follow it");
            return next;
        }
        return null;
    }

    private bool IsEndpointUrl(string url) =>
        url.StartsWith(_settings.Endpoint + "/", StringComparison.OrdinalIgnoreCase) || url.Equals(_settings.Endpoint, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("<([^>]+)>\\s*;\\s*rel=\"?next\"?", RegexOptions.IgnoreCase)]
    private static partial Regex NextLinkPattern();

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public void Dispose() => _client.Dispose();
}
