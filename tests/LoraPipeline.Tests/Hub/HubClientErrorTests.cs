using LoraPipeline.Hub;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Hub;

public sealed class HubClientErrorTests : HubTestBase
{
    [Test]
    public void GatedModelWithoutToken_Says401_AcceptTheLicence_AndSetHfToken()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "meta/gated");
        repo.RequiredToken = Secret;
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.Unauthorized));
        Assert.That(e.Message, Does.Contain("401").And.Contain($"{Hub.Endpoint}/meta/gated").And.Contain("licence")
            .And.Contain("HF_TOKEN is not set"));
        Assert.That(Directory.Exists(Path.Combine(RepoFolder(repo.RepoId), "snapshots")), Is.False);
        AssertNothingPromoted(repo.RepoId, repo.Sha);
    }

    [Test]
    public void GatedFileAfterListing_IsAlso401_AndNothingIsPromoted()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "meta/gated-file");
        Hub.Faults.Status("/resolve/" + repo.Sha + "/" + FakeHubModels.Shard2, 403, int.MaxValue);
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.Unauthorized));
        Assert.That(e.Message, Does.Contain("403").And.Contain(FakeHubModels.Shard2));
        AssertNothingPromoted(repo.RepoId, repo.Sha);
        Assert.That(File.Exists(Path.Combine(RepoFolder(repo.RepoId), "refs", "main")), Is.False);
    }

    [Test]
    public async Task Token_IsSentAsBearer_AndNeverAppearsInLogsOrErrors()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "meta/secret");
        repo.RequiredToken = Secret;
        Hub.Faults.DropConnection(FakeHubModels.Shard1, 20_000);
        Hub.Faults.Status("/tree/", 500);
        var texts = new List<string>();
        using (var client = Client(Secret))
        {
            texts.Add(client.Settings.ToString());
            await client.DownloadSnapshotAsync(repo.RepoId, "main", Console);
        }
        Assert.That(Hub.Requests, Has.All.Matches<FakeHubRequest>(r => r.Authorization == $"Bearer {Secret}"));

        // Every failure path with the token configured: wrong revision, missing repo, refused token, corruption, outage, offline.
        var other = FakeHubModels.AddShardedBf16Model(Hub, "meta/other");
        other.RequiredToken = "a-different-token";
        var broken = FakeHubModels.AddShardedBf16Model(Hub, "meta/broken");
        Hub.Faults.CorruptFile(FakeHubModels.Shard1, int.MaxValue);
        Hub.Faults.Status("/api/models/meta/down", 500, int.MaxValue);
        var failures = new List<Func<Task>>
        {
            async () => { using var c = Client(Secret); await c.DownloadSnapshotAsync(repo.RepoId, "no-such-branch", Console); },
            async () => { using var c = Client(Secret); await c.DownloadSnapshotAsync("meta/missing", "main", Console); },
            async () => { using var c = Client(Secret); await c.DownloadSnapshotAsync(other.RepoId, "main", Console); },
            async () => { using var c = Client(Secret); await c.DownloadSnapshotAsync(broken.RepoId, "main", Console); },
            async () => { using var c = Client(Secret, retries: 1); await c.DownloadSnapshotAsync("meta/down", "main", Console); },
            async () => { using var c = Client(Secret, offline: true); await c.DownloadSnapshotAsync("meta/missing", "main", Console); },
        };
        foreach (var failure in failures)
        {
            var e = Assert.ThrowsAsync<HubException>(() => failure())!;
            texts.Add(e.ToString());
            for (Exception? inner = e; inner is not null; inner = inner.InnerException) texts.Add(inner.Message);
        }
        texts.Add(ConsoleText.ToString());
        Assert.That(texts, Has.None.Contains(Secret));
        Assert.That(texts, Has.None.Contains(Secret[..12]), "not even a prefix");
        Assert.That(string.Join("\n", texts), Does.Contain("HF_TOKEN is set, but this token was refused"));
    }

    [Test]
    public void UnknownRepoAndRevision_SayWhatWasNotFound()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/known");
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "no-such-branch"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.NotFound));
        Assert.That(e.Message, Does.Contain("acme/known").And.Contain("no-such-branch").And.Contain("404"));

        Hub.Faults.Status("/api/models/acme/gone", 404);
        e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync("acme/gone", "v2"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.NotFound));
        Assert.That(e.Message, Does.Contain("acme/gone").And.Contain("v2"));
        Assert.That(Directory.Exists(Path.Combine(RepoFolder("acme/gone"), "snapshots")), Is.False);
    }

    [Test]
    public void OfflineWithoutCache_SaysOfflineAndNotCached_WithoutAnyRequest()
    {
        FakeHubModels.AddShardedBf16Model(Hub, "acme/offline");
        using var client = Client(offline: true);
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync("acme/offline", "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.NotCached));
        Assert.That(e.Message, Does.Contain("offline").And.Contain("HF_HUB_OFFLINE").And.Contain("acme/offline@main").And.Contain("not in the cache"));
        Assert.That(Hub.RequestCount, Is.Zero);
    }

    [Test]
    public async Task OfflineWithCache_ResolvesThroughRefs_OrTheSha()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/cached");
        string snapshot;
        using (var online = Client()) snapshot = await online.DownloadSnapshotAsync(repo.RepoId, "main");
        var before = Hub.RequestCount;
        using var offline = Client(offline: true);
        Assert.That(await offline.DownloadSnapshotAsync(repo.RepoId, "main"), Is.EqualTo(snapshot));
        Assert.That(await offline.DownloadSnapshotAsync(repo.RepoId, repo.Sha), Is.EqualTo(snapshot));
        Assert.That(Hub.RequestCount, Is.EqualTo(before));
        Assert.ThrowsAsync<HubException>(() => offline.DownloadSnapshotAsync(repo.RepoId, "other-branch"));
    }

    [Test]
    public async Task IncompleteSnapshot_IsNotServedFromCache_AndIsCompletedOnline()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/half");
        Hub.Faults.CorruptFile(FakeHubModels.Shard2, 2);
        using var client = Client();
        Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"));
        AssertNothingPromoted(repo.RepoId, repo.Sha);

        using var offline = Client(offline: true);
        Assert.ThrowsAsync<HubException>(() => offline.DownloadSnapshotAsync(repo.RepoId, "main"));

        var snapshot = await client.DownloadSnapshotAsync(repo.RepoId, "main");
        Assert.That(ResolveRequests(FakeHubModels.Shard1), Is.EqualTo(1), "verified blobs are reused");
        Assert.That(File.ReadAllBytes(Path.Combine(snapshot, FakeHubModels.Shard2)), Is.EqualTo(repo[FakeHubModels.Shard2].Content));
    }

    [TestCase("../../evil.safetensors")]
    [TestCase("../config.json")]
    [TestCase("/etc/evil.safetensors")]
    [TestCase("sub\\..\\..\\evil.json")]
    [TestCase("a//b.safetensors")]
    [TestCase("")]
    [TestCase("./x/../../../y.safetensors")]
    public void HubFileNamesThatWouldEscapeTheCache_AreRefusedBeforeAnythingIsWritten(string hostile)
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "evil/escape");
        repo.AddText(hostile, "{}");
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.UnsafePath));
        Assert.That(e.Message, Does.Contain("escape the cache"));
        Assert.That(Hub.Requests.Any(r => r.Path.Contains("/resolve/")), Is.False);
        Assert.That(Directory.Exists(RepoFolder(repo.RepoId)), Is.False, "nothing written");
        Assert.That(Directory.EnumerateFiles(Temp.Path, "*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void NotEnoughFreeSpace_IsReportedBeforeDownloading_WithSizeAndPlace()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/big");
        using var client = Client();
        client.FreeSpace = _ => 1000;
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.DiskFull));
        var blobs = Path.Combine(RepoFolder(repo.RepoId), "blobs");
        Assert.That(e.Message, Does.Contain(blobs).And.Contain("1000 bytes free").And.Contain("still needed"));
        Assert.That(ResolveRequests(FakeHubModels.Shard1), Is.Zero);
    }

    [Test]
    public void DiskFullWhileWriting_ENOSPC_SaysHowMuchWasNeededAndWhere()
    {
        Assume.That(OperatingSystem.IsLinux() && File.Exists("/dev/full"), "needs /dev/full");
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/full");
        var blobs = Path.Combine(RepoFolder(repo.RepoId), "blobs");
        Directory.CreateDirectory(blobs);
        // Every write to /dev/full fails with ENOSPC: a real disk-full error from the kernel.
        File.CreateSymbolicLink(Path.Combine(blobs, repo["config.json"].Etag + ".incomplete"), "/dev/full");
        using var client = Client();
        var e = Assert.ThrowsAsync<HubException>(() => client.DownloadSnapshotAsync(repo.RepoId, "main"))!;
        Assert.That(e.Kind, Is.EqualTo(HubErrorKind.DiskFull), e.ToString());
        Assert.That(e.Message, Does.Contain("disk full").And.Contain(blobs).And.Contain($"the file is {repo["config.json"].Content.Length} bytes").And.Contain("still needed"));
        AssertNothingPromoted(repo.RepoId, repo.Sha);
    }
}
