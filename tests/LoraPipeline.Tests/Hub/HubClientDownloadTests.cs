using System.Security.Cryptography;
using LoraPipeline.Checkpoints;
using LoraPipeline.Hub;
using LoraPipeline.Tests.Support;
using TorchSharp;

namespace LoraPipeline.Tests.Hub;

public sealed class HubClientDownloadTests : HubTestBase
{
    [Test]
    public async Task ShardedBf16Model_DownloadsOnlyWhatAModelNeeds_LoadsBack_AndASecondRunMakesNoRequest()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/tiny-bf16");
        using var client = Client();

        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);

        Assert.That(snapshot, Is.EqualTo(Path.Combine(RepoFolder(repo.RepoId), "snapshots", repo.Sha)));
        var files = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(snapshot, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.That(files, Is.EquivalentTo(FakeHubModels.ExpectedDownload));
        foreach (var skipped in new[] { "pytorch_model.bin", "consolidated.safetensors", "original/params.json" })
            Assert.That(ResolveRequests(skipped), Is.Zero, $"{skipped} must not be downloaded");
        foreach (var file in FakeHubModels.ExpectedDownload)
            Assert.That(File.ReadAllBytes(Path.Combine(snapshot, file)), Is.EqualTo(repo[file].Content), file);

        Assert.That(ConsoleText.ToString(), Does.Contain($"{FakeHubModels.Shard1}: {repo[FakeHubModels.Shard1].Content.Length} bytes in"), "a line per file on a non-interactive console");

        var state = CheckpointLoader.LoadStateDict(snapshot);
        try
        {
            Assert.That(state.Keys, Is.EquivalentTo(FakeHubModels.ShardedTensors.Keys));
            foreach (var (name, (_, shape, values)) in FakeHubModels.ShardedTensors)
            {
                Assert.That(state[name].dtype, Is.EqualTo(torch.bfloat16), name);
                Assert.That(state[name].shape, Is.EqualTo(shape), name);
                Assert.That(state[name].to(torch.float32).data<float>().ToArray(), Is.EqualTo(values), name);
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }

        var before = Hub.RequestCount;
        using var second = Client();
        Assert.That(await second.DownloadSnapshotAsync(repo.RepoId, repo.Sha), Is.EqualTo(snapshot));
        Assert.That(Hub.RequestCount, Is.EqualTo(before), "a complete cached commit needs no request");
        Assert.That(await second.DownloadSnapshotAsync(repo.RepoId, "main", Console), Is.EqualTo(snapshot));
        Assert.That(Hub.RequestCount, Is.EqualTo(before + 1), "a cached branch is resolved online (one request), its files are not fetched again");
    }

    // Issue 19 finding 4: once main was cached, a new commit on the Hub's main was never picked up.
    [Test]
    public async Task AMovedBranchIsPickedUpAndOfflineServesTheNewestCachedCommit()
    {
        var first = FakeHubModels.AddShardedBf16Model(Hub, "acme/moving");
        using var client = Client();
        var old = await client.DownloadSnapshotAsync(first.RepoId, "main");
        var moved = FakeHubModels.AddShardedBf16Model(Hub, "acme/moving"); // main now points at a new commit
        Assert.That(moved.Sha, Is.Not.EqualTo(first.Sha));
        var current = await client.DownloadSnapshotAsync(moved.RepoId, "main");
        Assert.That(current, Is.Not.EqualTo(old));
        Assert.That(Path.GetFileName(current), Is.EqualTo(moved.Sha));
        Assert.That(File.ReadAllBytes(Path.Combine(current, FakeHubModels.Shard2)), Is.EqualTo(moved[FakeHubModels.Shard2].Content));
        using var offline = Client(offline: true);
        Assert.That(await offline.DownloadSnapshotAsync(moved.RepoId, "main"), Is.EqualTo(current));
        Assert.That(await offline.DownloadSnapshotAsync(moved.RepoId, first.Sha), Is.EqualTo(old), "the old commit stays cached");
    }

    // Issue 19 finding 4's fallback: a cached branch whose online check fails is served from the cache, with a warning.
    [Test]
    public async Task AnUnreachableHubFallsBackToTheCachedSnapshotOfABranchWithAWarning()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/unreachable");
        using (var first = Client())
            await first.DownloadSnapshotAsync(repo.RepoId, "main");
        var cached = Path.Combine(RepoFolder(repo.RepoId), "snapshots", repo.Sha);
        Hub.Faults.Status("/revision/", 503, int.MaxValue); // every revision lookup fails, retries included
        using var client = Client(retries: 1);
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        Assert.That(snapshot, Is.EqualTo(cached));
        Assert.That(ConsoleText.ToString(), Does.Contain("warning").And.Contain("could not be reached").And.Contain("HF_HUB_OFFLINE"));
        foreach (var file in FakeHubModels.ExpectedDownload)
            Assert.That(File.ReadAllBytes(Path.Combine(snapshot, file)), Is.EqualTo(repo[file].Content), file);

        // Without a cached copy the same failure is an error that names the endpoint, not a silent fallback.
        var missing = FakeHubModels.AddShardedBf16Model(Hub, "acme/never-cached");
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(missing.RepoId, "main"))!;
        Assert.That(e.Message, Does.Contain("gave up after 2 attempts").And.Contain("HF_ENDPOINT"));
    }

    // Issue 19's 50-run test: the live display once died inside Spectre's renderer and took the download with it.
    [Test]
    public async Task InteractiveConsole_GetsLiveProgressBarsWithBytesAndSpeed()
    {
        for (var run = 0; run < 50; run++)
        {
            var repo = FakeHubModels.AddShardedBf16Model(Hub, $"acme/bars{run}");
            using var text = new StringWriter();
            using var client = Client();
            await client.DownloadSnapshotAsync(repo.RepoId, "main", FailingConsole.Interactive(text));
            Assert.That(text.ToString(), Does.Contain(FakeHubModels.Shard2).And.Contain("100%").And.Contain("KB"), $"run {run}");
        }
    }

    [TestCase(200, 1)]
    [TestCase(10, 24)]
    public async Task ATinyTerminalStillDownloadsEverything(int width, int height)
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, $"acme/tiny-{width}x{height}");
        using var text = new StringWriter();
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", FailingConsole.Interactive(text, width, height));
        foreach (var file in FakeHubModels.ExpectedDownload)
            Assert.That(File.ReadAllBytes(Path.Combine(snapshot, file)), Is.EqualTo(repo[file].Content), file);
    }

    // Downloads from 127.0.0.1 finish within a refresh or two: failing at the first live write covers the start, and the
    // later counts land on the refreshes and the final render.
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task AFailingProgressDisplayFallsBackToPlainLinesAndTheDownloadFinishes(int failAfter)
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, $"acme/failing{failAfter}");
        using var text = new StringWriter();
        var console = new FailingConsole(FailingConsole.Interactive(text), failAfter);
        using var client = Client();
        var originalError = System.Console.Error;
        using var error = new StringWriter();
        System.Console.SetError(error);
        string snapshot;
        try
        {
            snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", console);
        }
        finally
        {
            System.Console.SetError(originalError);
        }
        foreach (var file in FakeHubModels.ExpectedDownload)
            Assert.That(File.ReadAllBytes(Path.Combine(snapshot, file)), Is.EqualTo(repo[file].Content), file);
        if (console.Writes < failAfter) Assert.Inconclusive($"the display wrote only {console.Writes} live frames; nothing failed");
        Assert.That(error.ToString() + text, Does.Contain("progress display turned off").And.Contain(FakeHubModels.Shard2 + ":"), "plain lines take over");
    }

    [Test]
    public async Task CacheLayout_MatchesHuggingFaceHub()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/layout");
        repo.Refs.Add("v1.0");
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "v1.0");
        var repoFolder = RepoFolder(repo.RepoId);

        foreach (var file in FakeHubModels.ExpectedDownload)
        {
            var content = repo[file].Content;
            // etag computed here independently: SHA-256 for LFS files, git blob sha1 for the rest.
            var expectedEtag = repo[file].Lfs
                ? Convert.ToHexStringLower(SHA256.HashData(content))
                : Convert.ToHexStringLower(SHA1.HashData([.. "blob "u8.ToArray(), .. System.Text.Encoding.ASCII.GetBytes(content.Length.ToString()), 0, .. content]));
            var link = new FileInfo(Path.Combine(snapshot, file));
            Assert.That(link.LinkTarget, Is.EqualTo($"../../blobs/{expectedEtag}"), file);
            Assert.That(File.ReadAllBytes(Path.Combine(repoFolder, "blobs", expectedEtag)), Is.EqualTo(content), file);
        }
        Assert.That(repo[FakeHubModels.Shard1].Lfs && !repo["config.json"].Lfs, "the fixture mixes LFS and plain files");
        Assert.That(File.ReadAllText(Path.Combine(repoFolder, "refs", "v1.0")), Is.EqualTo(repo.Sha));
        Assert.That(Directory.EnumerateFiles(Path.Combine(repoFolder, "blobs")).Where(f => f.EndsWith(".incomplete")), Is.Empty);
        Assert.That(Directory.EnumerateFileSystemEntries(snapshot, ".*", SearchOption.AllDirectories), Is.Empty, "no bookkeeping inside the snapshot");
        Assert.That(File.Exists(Path.Combine(repoFolder, ".lorapipeline", repo.Sha + ".json")));

        // A sha revision writes no refs file.
        Directory.Delete(Path.Combine(repoFolder, "refs"), recursive: true);
        File.Delete(Path.Combine(repoFolder, ".lorapipeline", repo.Sha + ".json"));
        await client.DownloadSnapshotAsync(repo.RepoId, repo.Sha);
        Assert.That(Directory.Exists(Path.Combine(repoFolder, "refs")), Is.False);
    }

    [Test]
    public void NestedSnapshotPaths_LinkWithOneMoreParentPerFolder()
    {
        var cache = new HubCache(CacheDirectory, "acme/nested");
        var sha = new string('a', 40);
        var etag = new string('b', 64);
        Directory.CreateDirectory(cache.BlobsFolder);
        File.WriteAllText(cache.BlobPath(etag), "x");
        cache.Link(sha, new HubFile("sub/dir/file.json", etag, 1, true));
        var link = new FileInfo(Path.Combine(cache.SnapshotFolder(sha), "sub", "dir", "file.json"));
        Assert.That(link.LinkTarget, Is.EqualTo($"../../../../blobs/{etag}"));
        Assert.That(File.ReadAllText(link.FullName), Is.EqualTo("x"));
    }

    [Test]
    public async Task TreeListing_FollowsPagination()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/paged");
        Hub.TreePageSize = 3;
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main");
        Assert.That(Hub.Requests.Count(r => r.Path.Contains("/tree/") && r.Path.Contains("cursor=")), Is.GreaterThanOrEqualTo(3));
        Assert.That(File.Exists(Path.Combine(snapshot, FakeHubModels.Shard2)));
    }

    [Test]
    public async Task DroppedConnection_ResumesFromTheByteWhereItStopped()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/drop");
        const long dropAt = 40_000;
        Hub.Faults.DropConnection(FakeHubModels.Shard1, dropAt);
        using var client = Client();

        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);

        var shardRequests = Hub.Requests.Where(r => r.Path.EndsWith("/" + FakeHubModels.Shard1)).ToList();
        Assert.That(shardRequests, Has.Count.EqualTo(2), string.Join("\n", shardRequests));
        Assert.That(shardRequests[0].Range, Is.Null);
        Assert.That(shardRequests[1].Range, Does.Match("^bytes=[0-9]+-$"));
        var resumedAt = long.Parse(shardRequests[1].Range!["bytes=".Length..^1]);
        Assert.That(resumedAt, Is.GreaterThan(0).And.LessThanOrEqualTo(dropAt));
        Assert.That(shardRequests[1].Status, Is.EqualTo(206));
        Assert.That(File.ReadAllBytes(Path.Combine(snapshot, FakeHubModels.Shard1)), Is.EqualTo(repo[FakeHubModels.Shard1].Content));
        Assert.That(ConsoleText.ToString(), Does.Contain("resuming at byte"));
    }

    [Test]
    public async Task ServerIgnoringRange_RestartsFromZero_AndStillVerifies()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/norange");
        Hub.IgnoreRange = true;
        Hub.Faults.DropConnection(FakeHubModels.Shard2, 30_000);
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        Assert.That(File.ReadAllBytes(Path.Combine(snapshot, FakeHubModels.Shard2)), Is.EqualTo(repo[FakeHubModels.Shard2].Content));
        Assert.That(ConsoleText.ToString(), Does.Contain("restarting from byte 0"));
    }

    [Test]
    public async Task CorruptedByteOnce_IsDetectedBySha256_AndTheRetrySucceeds()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/corrupt-once");
        Hub.Faults.CorruptFile(FakeHubModels.Shard2, times: 1);
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        Assert.That(ResolveRequests(FakeHubModels.Shard2), Is.EqualTo(2));
        Assert.That(File.ReadAllBytes(Path.Combine(snapshot, FakeHubModels.Shard2)), Is.EqualTo(repo[FakeHubModels.Shard2].Content));
        Assert.That(ConsoleText.ToString(), Does.Contain("SHA-256 mismatch"));
    }

    [Test]
    public void CorruptedByteAlways_IsReportedWithBothHashes_AndNothingIsPromoted()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/corrupt-always");
        Hub.Faults.CorruptFile(FakeHubModels.Shard2, times: int.MaxValue);
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main", Console))!;
        var shard = repo[FakeHubModels.Shard2];
        var bad = Convert.ToHexStringLower(SHA256.HashData(FakeHubFaults.Corrupt(shard.Content)));
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.Corrupt));
        Assert.That(e.Message, Does.Contain(FakeHubModels.Shard2).And.Contain(shard.Sha256).And.Contain(bad));
        Assert.That(ResolveRequests(FakeHubModels.Shard2), Is.EqualTo(2), "one retry from scratch, then give up");
        var blobs = Path.Combine(RepoFolder(repo.RepoId), "blobs");
        Assert.That(File.Exists(Path.Combine(blobs, shard.Sha256)), Is.False);
        Assert.That(File.Exists(Path.Combine(blobs, shard.Sha256 + ".incomplete")), Is.False, "the bad download is deleted");
        AssertNothingPromoted(repo.RepoId, repo.Sha);
    }

    [Test]
    public async Task CorruptedPlainFile_IsDetectedByGitBlobSha1()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/corrupt-config");
        Hub.Faults.CorruptFile("config.json", times: 1);
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        Assert.That(ResolveRequests("config.json"), Is.EqualTo(2));
        Assert.That(File.ReadAllBytes(Path.Combine(snapshot, "config.json")), Is.EqualTo(repo["config.json"].Content));
        Assert.That(ConsoleText.ToString(), Does.Contain("git blob sha1 mismatch"));
    }

    [Test]
    public async Task Server500Once_IsRetried()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/flaky");
        Hub.Faults.Status("/revision/", 500);
        Hub.Faults.Status("/resolve/" + repo.Sha + "/" + FakeHubModels.Shard1, 503);
        Hub.Faults.Status("/tree/", 429);
        using var client = Client();
        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        Assert.That(Hub.Requests.Count(r => r.Path.Contains("/revision/")), Is.EqualTo(2));
        Assert.That(ResolveRequests(FakeHubModels.Shard1), Is.EqualTo(2));
        Assert.That(File.Exists(Path.Combine(snapshot, FakeHubModels.Shard1)));
        Assert.That(ConsoleText.ToString(), Does.Contain("retry 1 of 3"));
    }

    [Test]
    public void PersistentServerErrors_GiveUpAfterFewAttempts()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/down");
        Hub.Faults.Status("/revision/", 502, int.MaxValue);
        using var client = Client(retries: 2);
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.Network));
        Assert.That(e.Message, Does.Contain("502").And.Contain("3 attempts"));
        Assert.That(Hub.RequestCount, Is.EqualTo(3));
    }

    [Test]
    public void PickleOnlyRepo_IsRefusedWithAClearMessage()
    {
        var repo = FakeHubModels.AddPickleOnlyModel(Hub, "acme/pickles");
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.NoSafetensors));
        Assert.That(e.Message, Does.Contain("no safetensors").And.Contain("pytorch_model.bin").And.Contain("convert"));
        Assert.That(Hub.Requests.Any(r => r.Path.Contains("/resolve/")), Is.False);
    }
}
