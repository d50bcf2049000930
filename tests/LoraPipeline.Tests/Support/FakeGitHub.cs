using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraPipeline.Tests.Support;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, random port) speaking the subset of the GitHub REST API that releases use, laid out
/// like GitHub Enterprise Server: the API under <c>/api/v3/</c> (use <see cref="ApiUrl"/> as <c>GITHUB_API_URL</c>) and uploads
/// under <c>/api/uploads/</c>, reached only through each release's <c>upload_url</c>. Routes: get release by tag (drafts are not
/// found, as on GitHub), list releases (newest first), create (422 when the tag has a release), update, list assets, get asset
/// (JSON, or with <c>Accept: application/octet-stream</c> a 302 to its unauthenticated <c>/download/</c> address, as GitHub
/// redirects to signed storage), delete asset, upload asset (422 when the name exists). Every request is logged;
/// <see cref="Fail"/> injects error answers.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeGitHubRequest> _requests = new();
    private readonly ConcurrentQueue<FakeGitHubFault> _faults = new();
    private readonly object _gate = new();
    private readonly List<FakeRelease> _releases = [];
    private long _nextReleaseId = 1000;
    private int _nextAssetId = 5000;

    private FakeGitHub(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    public string Endpoint { get; private set; } = "";

    /// <summary>The API base address, as GitHub Enterprise Server has it (<c>http://127.0.0.1:N/api/v3</c>).</summary>
    public string ApiUrl => Endpoint + "/api/v3";

    /// <summary>The only token accepted (as <c>token X</c> or <c>Bearer X</c>).</summary>
    public string Token { get; }

    /// <summary>When true, a 401 answer quotes the Authorization header it got (a careless server), to prove redaction.</summary>
    public bool EchoCredentialsOn401 { get; set; }

    public IReadOnlyList<FakeGitHubRequest> Requests => _requests.ToArray();

    public IReadOnlyList<FakeRelease> Releases
    {
        get { lock (_gate) return _releases.ToList(); }
    }

    public static async Task<FakeGitHub> StartAsync(string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var github = new FakeGitHub(app, token);
        app.Run(github.HandleAsync);
        await app.StartAsync();
        github.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return github;
    }

    public void Fail(string method, string pathContains, int status, object body) =>
        _faults.Enqueue(new FakeGitHubFault(method, pathContains, status, JsonSerializer.Serialize(body)));

    /// <summary>Adds a release directly (as if made by hand or by an earlier run).</summary>
    public FakeRelease AddRelease(string repository, string tag, string? body, bool draft = false)
    {
        lock (_gate)
        {
            var release = new FakeRelease { Id = _nextReleaseId++, Repository = repository, TagName = tag, Name = tag, Body = body, Draft = draft };
            _releases.Add(release);
            return release;
        }
    }

    public FakeAsset AddAsset(FakeRelease release, string name, byte[] content)
    {
        lock (_gate)
        {
            var asset = new FakeAsset { Id = _nextAssetId++, Name = name, ContentType = "application/octet-stream", Content = content };
            release.Assets.Add(asset);
            return asset;
        }
    }

    public void ClearRequests() => _requests.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var entry = new FakeGitHubRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "",
            request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
            request.ContentType);
        _requests.Enqueue(entry);
        context.Response.OnStarting(() =>
        {
            entry.Status = context.Response.StatusCode;
            return Task.CompletedTask;
        });
        await RouteAsync(context, entry);
    }

    private async Task RouteAsync(HttpContext context, FakeGitHubRequest entry)
    {
        var download = entry.Method == "GET" && entry.Path.StartsWith("/download/", StringComparison.Ordinal);
        if (!download && !Authorized(entry.Authorization))
        {
            var message = EchoCredentialsOn401 ? $"Bad credentials (got '{entry.Authorization}')" : "Bad credentials";
            await Send(context, 401, new { message, documentation_url = "https://docs.github.com/rest" });
            return;
        }
        if (_faults.TryPeek(out var fault) && fault.Method == entry.Method && entry.Path.Contains(fault.PathContains, StringComparison.Ordinal)
            && _faults.TryDequeue(out fault))
        {
            context.Response.StatusCode = fault.Status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(fault.Body);
            return;
        }

        var s = entry.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (download)
        {
            await Download(context, s);
            return;
        }
        // /api/v3/repos/{o}/{r}/releases[...]  and  /api/uploads/repos/{o}/{r}/releases/{id}/assets
        if (s.Length >= 6 && s[0] == "api" && s[2] == "repos" && s[5] == "releases")
        {
            var repo = s[3] + "/" + s[4];
            var rest = s[6..];
            var method = entry.Method;
            if (s[1] == "uploads")
            {
                if (method == "POST" && rest is [var rid, "assets"] && long.TryParse(rid, out var uploadId))
                {
                    await Upload(context, repo, uploadId);
                    return;
                }
            }
            else if (s[1] == "v3")
            {
                switch (method, rest)
                {
                    case ("GET", []):
                        await Send(context, 200, Find(r => r.Repository == repo).OrderByDescending(r => r.Id).Select(ReleaseJson).ToList());
                        return;
                    case ("POST", []):
                        await Create(context, repo);
                        return;
                    case ("GET", ["tags", var tag]):
                        var byTag = Find(r => r.Repository == repo && r.TagName == tag && !r.Draft).FirstOrDefault();
                        await (byTag is null ? NotFound(context) : Send(context, 200, ReleaseJson(byTag)));
                        return;
                    case ("PATCH", [var id]) when long.TryParse(id, out var releaseId):
                        await Update(context, repo, releaseId);
                        return;
                    case ("GET", [var id, "assets"]) when long.TryParse(id, out var releaseId):
                        var release = Find(r => r.Repository == repo && r.Id == releaseId).FirstOrDefault();
                        await (release is null ? NotFound(context) : Send(context, 200, release.Assets.Select(x => AssetJson(repo, x)).ToList()));
                        return;
                    case ("GET", ["assets", var id]) when int.TryParse(id, out var assetId):
                        var found = Find(r => r.Repository == repo).SelectMany(r => r.Assets).FirstOrDefault(x => x.Id == assetId);
                        if (found is null) await NotFound(context);
                        else if (context.Request.Headers.Accept.ToString().Contains("application/octet-stream", StringComparison.Ordinal))
                            context.Response.Redirect($"{Endpoint}/download/{found.Id}/{Uri.EscapeDataString(found.Name)}");
                        else await Send(context, 200, AssetJson(repo, found));
                        return;
                    case ("DELETE", ["assets", var id]) when int.TryParse(id, out var assetId):
                        bool removed;
                        lock (_gate)
                            removed = _releases.Where(r => r.Repository == repo).Any(r => r.Assets.RemoveAll(x => x.Id == assetId) > 0);
                        if (removed) context.Response.StatusCode = 204;
                        else await NotFound(context);
                        return;
                }
            }
        }
        await NotFound(context);
    }

    private bool Authorized(string? header)
    {
        if (header is null) return false;
        var space = header.IndexOf(' ');
        if (space < 0) return false;
        var scheme = header[..space];
        return (scheme.Equals("token", StringComparison.OrdinalIgnoreCase) || scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
               && header[(space + 1)..] == Token;
    }

    private List<FakeRelease> Find(Func<FakeRelease, bool> match)
    {
        lock (_gate) return _releases.Where(match).ToList();
    }

    private async Task Create(HttpContext context, string repo)
    {
        var json = await ReadJson(context);
        var tag = json?["tag_name"]?.ToString();
        if (string.IsNullOrEmpty(tag))
        {
            await Validation(context, "Release", "tag_name", "missing_field");
            return;
        }
        FakeRelease release;
        lock (_gate)
        {
            if (_releases.Any(r => r.Repository == repo && r.TagName == tag)) release = null!;
            else
            {
                release = new FakeRelease
                {
                    Id = _nextReleaseId++, Repository = repo, TagName = tag,
                    TargetCommitish = json!["target_commitish"]?.ToString(),
                    Name = json["name"]?.ToString(), Body = json["body"]?.ToString(),
                    Draft = json["draft"]?.GetValue<bool>() ?? false, Prerelease = json["prerelease"]?.GetValue<bool>() ?? false,
                };
                _releases.Add(release);
            }
        }
        if (release is null) await Validation(context, "Release", "tag_name", "already_exists");
        else await Send(context, 201, ReleaseJson(release));
    }

    private async Task Update(HttpContext context, string repo, long id)
    {
        var json = await ReadJson(context);
        var release = Find(r => r.Repository == repo && r.Id == id).FirstOrDefault();
        if (release is null || json is null)
        {
            await NotFound(context);
            return;
        }
        lock (_gate)
        {
            if (json["tag_name"] is { } tag) release.TagName = tag.ToString();
            if (json["name"] is { } name) release.Name = name.ToString();
            if (json["body"] is { } body) release.Body = body.ToString();
            if (json["draft"] is { } draft) release.Draft = draft.GetValue<bool>();
            if (json["prerelease"] is { } pre) release.Prerelease = pre.GetValue<bool>();
        }
        await Send(context, 200, ReleaseJson(release));
    }

    private async Task Upload(HttpContext context, string repo, long releaseId)
    {
        var release = Find(r => r.Repository == repo && r.Id == releaseId).FirstOrDefault();
        var name = context.Request.Query["name"].ToString();
        if (release is null)
        {
            await NotFound(context);
            return;
        }
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(context.Request.ContentType))
        {
            await Validation(context, "ReleaseAsset", "name", "missing_field");
            return;
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        FakeAsset? asset = null;
        lock (_gate)
        {
            if (release.Assets.All(a => a.Name != name))
            {
                asset = new FakeAsset { Id = _nextAssetId++, Name = name, ContentType = context.Request.ContentType!, Content = buffer.ToArray() };
                release.Assets.Add(asset);
            }
        }
        if (asset is null) await Validation(context, "ReleaseAsset", "name", "already_exists");
        else await Send(context, 201, AssetJson(repo, asset));
    }

    private object ReleaseJson(FakeRelease r)
    {
        var api = $"{ApiUrl}/repos/{r.Repository}/releases/{r.Id}";
        return new Dictionary<string, object?>
        {
            ["url"] = api,
            ["html_url"] = $"{Endpoint}/{r.Repository}/releases/tag/{r.TagName}",
            ["assets_url"] = api + "/assets",
            ["upload_url"] = $"{Endpoint}/api/uploads/repos/{r.Repository}/releases/{r.Id}/assets{{?name,label}}",
            ["tarball_url"] = $"{ApiUrl}/repos/{r.Repository}/tarball/{r.TagName}",
            ["zipball_url"] = $"{ApiUrl}/repos/{r.Repository}/zipball/{r.TagName}",
            ["id"] = r.Id,
            ["node_id"] = $"RE_{r.Id}",
            ["tag_name"] = r.TagName,
            ["target_commitish"] = r.TargetCommitish ?? "main",
            ["name"] = r.Name,
            ["body"] = r.Body,
            ["draft"] = r.Draft,
            ["prerelease"] = r.Prerelease,
            ["created_at"] = "2025-01-01T00:00:00Z",
            ["published_at"] = r.Draft ? null : "2025-01-01T00:00:00Z",
            ["author"] = new { login = "lora-bot", id = 1, type = "Bot" },
            ["assets"] = r.Assets.Select(a => AssetJson(r.Repository, a)).ToList(),
        };
    }

    /// <summary>Serves an asset's bytes at <c>/download/{id}/{name}</c> without credentials, like the signed storage address
    /// GitHub redirects asset downloads to.</summary>
    private async Task Download(HttpContext context, string[] segments)
    {
        FakeAsset? asset = null;
        if (segments is ["download", var id, ..] && int.TryParse(id, out var assetId))
            lock (_gate) asset = _releases.SelectMany(r => r.Assets).FirstOrDefault(a => a.Id == assetId);
        if (asset is null)
        {
            await NotFound(context);
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        await context.Response.Body.WriteAsync(asset.Content);
    }

    private object AssetJson(string repository, FakeAsset a) => new Dictionary<string, object?>
    {
        ["url"] = $"{ApiUrl}/repos/{repository}/releases/assets/{a.Id}",
        ["browser_download_url"] = $"{Endpoint}/download/{a.Id}/{a.Name}",
        ["id"] = a.Id,
        ["node_id"] = $"RA_{a.Id}",
        ["name"] = a.Name,
        ["label"] = null,
        ["state"] = a.State,
        ["content_type"] = a.ContentType,
        ["size"] = a.Content.LongLength,
        ["download_count"] = 0,
        ["created_at"] = "2025-01-01T00:00:00Z",
        ["updated_at"] = "2025-01-01T00:00:00Z",
        ["uploader"] = new { login = "lora-bot", id = 1, type = "Bot" },
    };

    private static async Task<JsonNode?> ReadJson(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private static Task NotFound(HttpContext context) =>
        Send(context, 404, new { message = "Not Found", documentation_url = "https://docs.github.com/rest" });

    private static Task Validation(HttpContext context, string resource, string field, string code) =>
        Send(context, 422, new
        {
            message = "Validation Failed",
            errors = new[] { new { resource, code, field } },
            documentation_url = "https://docs.github.com/rest",
        });

    private static async Task Send(HttpContext context, int status, object value)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }
}
