using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Checkpoints;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Hub;

/// <summary>
/// One repository's folder in the <c>huggingface_hub</c> cache layout:
/// <c>blobs/&lt;etag&gt;</c> (content), <c>snapshots/&lt;sha&gt;/&lt;path&gt;</c> (relative symlinks into blobs),
/// <c>refs/&lt;revision&gt;</c> (the sha). Our own completion records live in <c>.lorapipeline/&lt;sha&gt;.json</c>,
/// outside the snapshot, and are written only after every file of the snapshot is linked.
/// </summary>
internal sealed class HubCache(string cacheDirectory, string repoId)
{
    public string RepoFolder { get; } = Path.Combine(cacheDirectory, HubNames.CacheFolderName(repoId));

    public string BlobsFolder => Path.Combine(RepoFolder, "blobs");

    public string BlobPath(string etag) =>
        HubNames.IsEtag(etag) ? Path.Combine(BlobsFolder, etag) : throw new ArgumentException($"not an etag: '{etag}'", nameof(etag));

    public string SnapshotFolder(string sha) =>
        HubNames.IsCommitSha(sha) ? Path.Combine(RepoFolder, "snapshots", sha) : throw new ArgumentException($"not a commit sha: '{sha}'", nameof(sha));

    public string RefPath(string revision) =>
        HubNames.IsSafeRevision(revision)
            ? Path.Combine([RepoFolder, "refs", .. revision.Split('/')])
            : throw new ArgumentException($"unsafe revision '{revision}'", nameof(revision));

    public string RecordPath(string sha) => Path.Combine(RepoFolder, ".lorapipeline", $"{sha}.json");

    /// <summary>The sha a revision resolves to without the network: itself when it is a sha, else the refs file.</summary>
    public string? ResolveLocally(string revision)
    {
        if (HubNames.IsCommitSha(revision)) return revision;
        if (!HubNames.IsSafeRevision(revision)) return null;
        var path = RefPath(revision);
        if (!File.Exists(path)) return null;
        var sha = File.ReadAllText(path).Trim();
        return HubNames.IsCommitSha(sha) ? sha : null;
    }

    public void WriteRef(string revision, string sha)
    {
        if (revision == sha) return;
        var path = RefPath(revision);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == sha) return;
        AtomicFile.WriteAllText(path, sha);
    }

    /// <summary>True when our completion record exists and every file it lists resolves to a blob of the recorded size.</summary>
    public bool IsComplete(string sha)
    {
        var record = ReadRecord(sha);
        if (record is null) return false;
        var snapshot = SnapshotFolder(sha);
        return record.Files.Count > 0 && record.Files.All(f =>
            HubNames.IsSafeRelativePath(f.Path) && TargetLength(Path.Combine(snapshot, f.Path)) == f.Size);
    }

    /// <summary>
    /// A snapshot written by another tool (no record of ours) that still has what a model needs: config.json and
    /// <c>model.safetensors</c> or an index whose shards all resolve. Only offline mode accepts these.
    /// </summary>
    public bool LooksUsable(string sha)
    {
        var snapshot = SnapshotFolder(sha);
        if (TargetLength(Path.Combine(snapshot, "config.json")) is null) return false;
        var index = Path.Combine(snapshot, CheckpointFormats.IndexFile);
        if (TargetLength(index) is not null)
        {
            try
            {
                return ShardIndex.Read(index).Shards.All(s => TargetLength(Path.Combine(snapshot, s)) is not null);
            }
            catch (CheckpointException) { return false; }
        }
        return TargetLength(Path.Combine(snapshot, CheckpointFormats.SingleFile)) is not null;
    }

    public void MarkComplete(string sha, IReadOnlyList<HubFile> files)
    {
        var record = new CompletionRecord(repoId, sha, DateTimeOffset.UtcNow,
            files.Select(f => new RecordedFile(f.Path, f.Etag, f.Size)).ToList());
        AtomicFile.WriteAllText(RecordPath(sha), JsonSerializer.Serialize(record, RecordJson) + "\n");
    }

    /// <summary>Links <c>snapshots/&lt;sha&gt;/&lt;path&gt;</c> to <c>../../blobs/&lt;etag&gt;</c> (relative; one more <c>../</c> per folder level).</summary>
    public void Link(string sha, HubFile file)
    {
        var snapshot = SnapshotFolder(sha);
        var link = Path.GetFullPath(Path.Combine([snapshot, .. file.Path.Split('/')]));
        if (!link.StartsWith(snapshot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new HubException(HubErrorKind.UnsafePath, $"'{file.Path}' would be written outside the snapshot folder {snapshot}");
        var blob = BlobPath(file.Etag);
        var folder = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(folder);
        var target = Path.GetRelativePath(folder, blob);
        var existing = new FileInfo(link);
        if (existing.LinkTarget == target) return;

        var temp = Path.Combine(folder, $".{Path.GetFileName(link)}.{Guid.NewGuid():N}.tmp");
        try
        {
            try
            {
                File.CreateSymbolicLink(temp, target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // No symlink privilege (Windows without developer mode): copy, as huggingface_hub does.
                File.Copy(blob, temp, overwrite: true);
            }
            File.Move(temp, link, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Size of the file a path resolves to (following symlinks), or null when it or its target is missing.</summary>
    internal static long? TargetLength(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
            return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : null;
        return info.Exists ? info.Length : null;
    }

    private CompletionRecord? ReadRecord(string sha)
    {
        var path = RecordPath(sha);
        if (!File.Exists(path)) return null;
        try
        {
            var record = JsonSerializer.Deserialize<CompletionRecord>(File.ReadAllText(path), RecordJson);
            return record is { Files: not null } && record.Commit == sha ? record : null;
        }
        catch (JsonException) { return null; }
    }

    private static readonly JsonSerializerOptions RecordJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record CompletionRecord(string RepoId, string Commit, DateTimeOffset CompletedUtc, List<RecordedFile> Files);

    private sealed record RecordedFile(string Path, string Etag, long Size);
}
