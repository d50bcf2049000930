using System.Text.Json;
using LoraPipeline.Checkpoints;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>
/// Downloads model snapshots from the Hugging Face Hub (or a mirror) into the shared Hugging Face cache:
/// config, tokenizer and safetensors files only, resumable, verified, retried on transient failures.
/// A complete cached revision is returned without any network request.
/// </summary>
internal sealed class HubClient : IDisposable
{
    private readonly HubHttp _http;

    /// <summary>Creates a client; see <see cref="HubSettings.FromEnvironment"/>.</summary>
    public HubClient(HubSettings settings)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _http = new HubHttp(settings);
    }

    /// <summary>The settings in use (token masked in <see cref="HubSettings.ToString"/>).</summary>
    public HubSettings Settings { get; }

    /// <summary>Free-space probe for the pre-download check (replaceable in tests); null means unknown.</summary>
    internal Func<string, long?> FreeSpace { get; set; } = DiskSpace.Free;

    /// <summary>
    /// Makes <c>&lt;cache&gt;/models--org--name/snapshots/&lt;sha&gt;/</c> hold the model files of
    /// <paramref name="repoId"/> at <paramref name="revision"/> and returns that folder.
    /// </summary>
    /// <param name="repoId"><c>org/name</c>.</param>
    /// <param name="revision">Branch, tag or full commit sha.</param>
    /// <param name="console">Where progress bars and notes go; nothing is written when null.</param>
    /// <param name="cancellationToken">Stops the download; partial files are kept for resuming.</param>
    /// <exception cref="HubException">Any failure, with a message that says what to do.</exception>
    public async Task<string> DownloadSnapshotAsync(string repoId, string revision = HubReference.DefaultRevision,
        IAnsiConsole? console = null, CancellationToken cancellationToken = default)
    {
        if (!HubNames.IsValidRepoId(repoId))
            throw new HubException(HubErrorKind.UnsafePath, $"'{repoId}' is not a valid Hub repository id (org/name)");
        if (!HubNames.IsSafeRevision(revision))
            throw new HubException(HubErrorKind.UnsafePath, $"{repoId}: '{revision}' is not a valid revision (branch, tag or commit sha)");

        var cache = new HubCache(Settings.CacheDirectory, repoId);
        var local = cache.ResolveLocally(revision);
        // A commit never moves, so its snapshot is served from the cache; a branch or tag may have moved since it was
        // cached, so it is resolved online (one small request) unless offline mode is on, as huggingface_hub does.
        var cached = local is not null && cache.IsComplete(local);
        if (cached && (HubNames.IsCommitSha(revision) || Settings.Offline))
        {
            Log(console, $"{repoId}@{revision}: cached ({local})");
            return cache.SnapshotFolder(local!);
        }
        if (Settings.Offline)
        {
            if (local is not null && cache.LooksUsable(local)) return cache.SnapshotFolder(local);
            throw new HubException(HubErrorKind.NotCached,
                $"offline (HF_HUB_OFFLINE is set) and {repoId}@{revision} is not in the cache {cache.RepoFolder}: " +
                "run once without HF_HUB_OFFLINE to download it, or point HF_HOME (or HF_HUB_CACHE) at a cache that has it");
        }

        try
        {
            return await DownloadAsync(cache, repoId, revision, console, cancellationToken);
        }
        catch (HubTransientException e) when (cached)
        {
            Log(console, $"warning: {repoId}@{revision}: the Hub could not be reached ({e.Message}); using the cached snapshot {local}, " +
                "which may be behind the branch (set HF_HUB_OFFLINE=1 to skip the check)");
            return cache.SnapshotFolder(local!);
        }
        catch (HubTransientException e)
        {
            throw new HubException(HubErrorKind.Network,
                $"{e.Message} (gave up after {Settings.MaxRetryAttempts + 1} attempts; check the network and HF_ENDPOINT = {UrlRedaction.Redact(Settings.Endpoint)})", e);
        }
    }

    /// <summary>
    /// The commit <paramref name="revision"/> of <paramref name="repoId"/> points at now: a commit sha as given; a branch
    /// or tag by one revision lookup, or, offline or when the Hub cannot be reached, the commit the cache recorded for it
    /// (with a warning), or null when neither is known. For deciding whether a cached download is still current.
    /// </summary>
    public async Task<string?> ResolveRevisionAsync(string repoId, string revision, IAnsiConsole? console = null, CancellationToken cancellationToken = default)
    {
        if (!HubNames.IsValidRepoId(repoId) || !HubNames.IsSafeRevision(revision)) return null;
        if (HubNames.IsCommitSha(revision)) return revision;
        var cached = new HubCache(Settings.CacheDirectory, repoId).ResolveLocally(revision);
        if (Settings.Offline) return cached;
        var target = new HubTarget(Settings.Endpoint, repoId, revision);
        try
        {
            var (info, _) = await _http.GetJsonAsync<HubRevisionInfo>(
                $"{Settings.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}", target,
                _http.RetryPipeline(message => Log(console, message)), cancellationToken);
            return info.Sha is { } sha && HubNames.IsCommitSha(sha) ? sha : cached;
        }
        catch (Exception e) when (e is HubTransientException or HubException)
        {
            if (cached is not null)
                Log(console, $"warning: {repoId}@{revision}: could not check the Hub for a newer commit ({e.Message}); assuming the cached {cached}");
            return cached;
        }
    }

    private async Task<string> DownloadAsync(HubCache cache, string repoId, string revision, IAnsiConsole? console, CancellationToken cancellationToken)
    {
        var target = new HubTarget(Settings.Endpoint, repoId, revision);
        var retry = _http.RetryPipeline(message => Log(console, message));

        var (info, _) = await _http.GetJsonAsync<HubRevisionInfo>(
            $"{Settings.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}", target, retry, cancellationToken);
        var sha = info.Sha;
        if (sha is null || !HubNames.IsCommitSha(sha))
            throw new HubException(HubErrorKind.BadResponse, $"{target}: the Hub answered {JsonSerializer.Serialize(sha)}, which is not a commit sha");
        if (HubNames.IsCommitSha(revision) && sha != revision)
            throw new HubException(HubErrorKind.BadResponse, $"{target}: the Hub resolved the commit to a different one ({sha})");
        Log(console, revision == sha ? $"{repoId}@{sha}" : $"{repoId}@{revision} -> {sha}");
        if (cache.IsComplete(sha))
        {
            cache.WriteRef(revision, sha);
            return cache.SnapshotFolder(sha);
        }

        var files = await ListFilesAsync(target, sha, retry, cancellationToken);
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        if (!files.Any(f => HubFileSelection.IsSafetensors(f.Path)))
        {
            var others = files.Select(f => f.Path).Where(HubFileSelection.IsOtherWeights).Order(StringComparer.Ordinal).ToList();
            throw new HubException(HubErrorKind.NoSafetensors,
                $"{target}: the repository has no safetensors weights" +
                (others.Count > 0 ? $", only pickled or other-format weights ({string.Join(", ", others.Take(5))}{(others.Count > 5 ? ", ..." : "")})" : "") +
                ". Pickles are never loaded (unpickling can run code): convert the weights to safetensors " +
                "(safetensors.torch.save_file in Python, or the Hub's conversion Space) or pick a repository that ships *.safetensors.");
        }

        var selected = new List<HubFile>();
        await HubProgress.RunAsync(console, async progress =>
        {
            var downloader = new HubBlobDownloader(_http, cache, target, sha, retry, progress);
            IReadOnlyList<string>? shards = null;
            if (byPath.TryGetValue(CheckpointFormats.IndexFile, out var indexFile))
            {
                await downloader.FetchAsync(indexFile, cancellationToken);
                shards = ReadShards(downloader.BlobPath(indexFile), target, byPath);
            }
            selected.AddRange(files.Where(f => HubFileSelection.IsSupportFile(f.Path)));
            selected.AddRange(HubFileSelection.Weights(byPath.Keys, shards).Select(p => byPath[p]));
            CheckFreeSpace(cache, target, selected);
            foreach (var file in selected)
                await downloader.FetchAsync(file, cancellationToken);
        });

        // Every blob is verified and in place: only now does the snapshot get its links, the ref and the completion record.
        foreach (var file in selected) cache.Link(sha, file);
        cache.WriteRef(revision, sha);
        cache.MarkComplete(sha, selected);
        Log(console, $"{repoId}@{revision}: {selected.Count} files in {cache.SnapshotFolder(sha)}");
        return cache.SnapshotFolder(sha);
    }

    /// <summary>Lists every file of the commit (following pagination) and refuses the whole repository if any name or hash is unsafe.</summary>
    private async Task<List<HubFile>> ListFilesAsync(HubTarget target, string sha, Polly.ResiliencePipeline retry, CancellationToken cancellationToken)
    {
        var files = new List<HubFile>();
        string? url = $"{Settings.Endpoint}/api/models/{target.RepoId}/tree/{sha}?recursive=true";
        for (var page = 0; url is not null; page++)
        {
            if (page >= 10_000)
                throw new HubException(HubErrorKind.BadResponse, $"{target}: the file listing does not end");
            var (entries, next) = await _http.GetJsonAsync<List<HubTreeEntry>>(url, target, retry, cancellationToken);
            foreach (var entry in entries)
            {
                if (entry.Type != "file") continue;
                if (!HubNames.IsSafeRelativePath(entry.Path))
                    throw new HubException(HubErrorKind.UnsafePath,
                        $"{target}: the Hub lists a file named {JsonSerializer.Serialize(entry.Path)}, which would escape the cache folder; nothing was downloaded");
                var etag = entry.Lfs?.Oid ?? entry.Oid;
                var size = entry.Lfs?.Size ?? entry.Size;
                if (etag is null || !HubNames.IsEtag(etag) || size < 0)
                    throw new HubException(HubErrorKind.UnsafePath,
                        $"{target}: the Hub lists '{entry.Path}' with hash {JsonSerializer.Serialize(etag)} and size {size}, which cannot name a cache file; nothing was downloaded");
                files.Add(new HubFile(entry.Path!, etag, size, entry.Lfs is not null));
            }
            url = next;
        }
        var duplicate = files.GroupBy(f => f.Path, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new HubException(HubErrorKind.BadResponse, $"{target}: the Hub lists '{duplicate.Key}' twice");
        return files;
    }

    private static IReadOnlyList<string> ReadShards(string indexBlob, HubTarget target, Dictionary<string, HubFile> byPath)
    {
        IReadOnlyList<string> shards;
        try
        {
            shards = ShardIndex.Read(indexBlob).Shards;
        }
        catch (CheckpointException e)
        {
            throw new HubException(HubErrorKind.BadResponse, $"{target}: {CheckpointFormats.IndexFile} is invalid: {e.Message}", e);
        }
        var missing = shards.Where(s => !byPath.ContainsKey(s)).ToList();
        if (missing.Count > 0 || shards.Count == 0)
            throw new HubException(HubErrorKind.BadResponse,
                $"{target}: {CheckpointFormats.IndexFile} names shards the repository does not have: {string.Join(", ", missing.DefaultIfEmpty("(none at all)"))}");
        return shards;
    }

    private void CheckFreeSpace(HubCache cache, HubTarget target, IEnumerable<HubFile> files)
    {
        long needed = 0;
        foreach (var file in files.DistinctBy(f => f.Etag))
        {
            var blob = cache.BlobPath(file.Etag);
            if (HubCache.TargetLength(blob) == file.Size) continue;
            var partial = new FileInfo(blob + ".incomplete");
            needed += file.Size - (partial.Exists ? Math.Min(partial.Length, file.Size) : 0);
        }
        Directory.CreateDirectory(cache.BlobsFolder);
        if (needed > 0 && FreeSpace(cache.BlobsFolder) is { } free && free < needed)
            throw DiskSpace.Full(target, needed, cache.BlobsFolder, free: free);
    }

    private static void Log(IAnsiConsole? console, string text) => console?.MarkupLine(Markup.Escape(text));

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => _http.Dispose();
}
