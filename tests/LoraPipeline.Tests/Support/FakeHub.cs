using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraPipeline.Tests.Support;

/// <summary>One request the <see cref="FakeHub"/> received; logged on arrival, status set as the response starts.</summary>
public sealed record FakeHubRequest(string Method, string Path, string? Range, string? Authorization)
{
    /// <summary>The status sent (0 until headers went out).</summary>
    public int Status { get; internal set; }

    /// <summary>True when the fake dropped the connection mid-body.</summary>
    public bool Dropped { get; internal set; }
}

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, random port) speaking the subset of the Hugging Face Hub API that
/// model downloads use: <c>/api/models/{repo}/revision/{rev}</c>, <c>/api/models/{repo}/tree/{sha}?recursive=true</c>
/// (paginated with <c>Link: rel="next"</c>) and <c>/{repo}/resolve/{rev}/{path}</c> (with <c>Range: bytes=N-</c>).
/// Counts and logs every request and injects faults (<see cref="Faults"/>).
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeHubRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeHubRequest> _requests = new();

    private FakeHub(WebApplication app) => _app = app;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>: use as <c>HF_ENDPOINT</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public FakeHubFaults Faults { get; } = new();

    /// <summary>Entries per page of the tree listing.</summary>
    public int TreePageSize { get; set; } = 1000;

    /// <summary>When true, Range headers are ignored and files are always sent whole with 200.</summary>
    public bool IgnoreRange { get; set; }

    public IReadOnlyList<FakeHubRequest> Requests => _requests.ToArray();

    public int RequestCount => _requests.Count;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var hub = new FakeHub(app);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = address.TrimEnd('/');
        return hub;
    }

    public FakeHubRepo AddRepo(string repoId)
    {
        var repo = new FakeHubRepo(repoId);
        _repos[repoId] = repo;
        return repo;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        // Logged before anything is answered, so a client never sees a response the log does not hold yet.
        var entry = new FakeHubRequest(request.Method, path + request.QueryString, request.Headers.Range.ToString() is { Length: > 0 } r ? r : null,
            request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null);
        _requests.Enqueue(entry);
        context.Response.OnStarting(() =>
        {
            entry.Status = context.Response.StatusCode;
            return Task.CompletedTask;
        });
        if (await RouteAsync(context, path) == -1) entry.Dropped = true;
    }

    private async Task<int> RouteAsync(HttpContext context, string path)
    {
        if (Faults.Take("status", path) is { } injected)
            return await Error(context, (int)injected, $"injected {injected}");

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        // /api/models/{org}/{name}/(revision|tree)/{rev...}
        if (segments.Length >= 6 && segments[0] == "api" && segments[1] == "models")
        {
            var repo = Find(segments[2] + "/" + segments[3]);
            if (repo is null) return await Error(context, 401, "Repository not found"); // the real Hub answers 401 to anonymous callers
            if (!Authorized(context, repo)) return await Error(context, 401, "Access to this model is restricted");
            var revision = string.Join('/', segments[5..]);
            var sha = repo.Resolve(revision);
            if (sha is null) return await Error(context, 404, $"Revision Not Found for url {path}");
            if (segments[4] == "revision") return await Json(context, new
            {
                id = repo.RepoId,
                sha,
                siblings = repo.Files.Keys.Order(StringComparer.Ordinal).Select(p => new { rfilename = p }),
            });
            if (segments[4] == "tree") return await Tree(context, repo, sha);
        }
        // /{org}/{name}/resolve/{rev}/{path...}
        if (segments.Length >= 5 && segments[2] == "resolve")
        {
            var repo = Find(segments[0] + "/" + segments[1]);
            if (repo is null) return await Error(context, 401, "Repository not found");
            if (!Authorized(context, repo)) return await Error(context, 401, "Access to this model is restricted");
            if (repo.Resolve(segments[3]) is null) return await Error(context, 404, "Revision Not Found");
            var filePath = string.Join('/', segments[4..]);
            if (!repo.Files.TryGetValue(filePath, out var file)) return await Error(context, 404, "Entry Not Found");
            return await Resolve(context, repo, file, path);
        }
        return await Error(context, 404, "no such route");
    }

    private FakeHubRepo? Find(string repoId) => _repos.GetValueOrDefault(repoId);

    private static bool Authorized(HttpContext context, FakeHubRepo repo) =>
        repo.RequiredToken is null || context.Request.Headers.Authorization.ToString() == $"Bearer {repo.RequiredToken}";

    private async Task<int> Tree(HttpContext context, FakeHubRepo repo, string sha)
    {
        var entries = new List<object>();
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in repo.Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var slash = file.Path.LastIndexOf('/');
            if (slash > 0) directories.Add(file.Path[..slash]);
            entries.Add(file.Lfs
                ? new { type = "file", oid = file.GitOid, size = (long)file.Content.Length, path = file.Path,
                    lfs = new { oid = file.Sha256, size = (long)file.Content.Length, pointerSize = 134 } }
                : (object)new { type = "file", oid = file.GitOid, size = (long)file.Content.Length, path = file.Path });
        }
        entries.InsertRange(0, directories.Select(d => (object)new { type = "directory", oid = new string('0', 40), size = 0L, path = d }));
        var cursor = int.TryParse(context.Request.Query["cursor"], out var c) ? c : 0;
        var page = entries.Skip(cursor).Take(TreePageSize).ToList();
        if (cursor + TreePageSize < entries.Count)
            context.Response.Headers.Link = $"<{Endpoint}/api/models/{repo.RepoId}/tree/{sha}?recursive=true&cursor={cursor + TreePageSize}>; rel=\"next\"";
        return await Json(context, page);
    }

    private async Task<int> Resolve(HttpContext context, FakeHubRepo repo, FakeHubFile file, string path)
    {
        var content = Faults.Take("corrupt", path) is not null ? FakeHubFaults.Corrupt(file.Content) : file.Content;
        var response = context.Response;
        response.Headers.ETag = $"\"{file.Etag}\"";
        response.Headers["X-Repo-Commit"] = repo.Sha;
        if (file.Lfs)
        {
            response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            response.Headers["X-Linked-Size"] = file.Content.Length.ToString();
        }
        response.Headers.AcceptRanges = "bytes";
        long start = 0;
        var range = context.Request.Headers.Range.ToString();
        if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-') &&
            long.TryParse(range["bytes=".Length..^1], out var from))
        {
            if (from >= content.Length)
            {
                response.Headers.ContentRange = $"bytes */{content.Length}";
                response.StatusCode = 416;
                return 416;
            }
            start = from;
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }
        response.ContentType = "application/octet-stream";
        response.ContentLength = content.Length - start;
        if (Faults.Take("drop", path) is { } dropAt && dropAt > start && dropAt < content.Length)
        {
            await response.Body.WriteAsync(content.AsMemory((int)start, (int)(dropAt - start)));
            await response.Body.FlushAsync();
            await Task.Delay(300); // let the client read what was sent before the connection goes
            context.Abort();
            return -1; // logged as dropped
        }
        await response.Body.WriteAsync(content.AsMemory((int)start));
        return response.StatusCode;
    }

    private static async Task<int> Json(HttpContext context, object value)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(value));
        return 200;
    }

    private static async Task<int> Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
        return status;
    }
}
