using LoraPipeline.GitHub;
using LoraPipeline.Pipeline;
using LoraPipeline.Publishing;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Publishing;

/// <summary>The GitHub release through Octokit against <see cref="FakeGitHub"/>, a real HTTP server on 127.0.0.1.</summary>
[Category("Integration")]
public class PublishReleaseTests : FakeGitHubTestBase
{
    private const string Tag = "adapter-v0.1.0";
    private const string TokenValue = "ghp_TESTTOKEN0123456789abcdefSECRET";

    protected override string Token => TokenValue;
    private static readonly string[] AssetNames = [
        ArtifactNames.PackageZip(Tag), ArtifactNames.ModelCard, ArtifactNames.Checksums, ArtifactNames.AdapterConfig, ArtifactNames.AdapterWeights,
        ArtifactNames.Report,
    ];

    private Func<string, string?> Env(string token = TokenValue) => PublishArtifacts.Environment(token, GitHub.ApiUrl);

    private Task<StageOutcome> Publish(params string[] overrides) => Artifacts.PublishAsync(Env(), overrides);

    private FakeRelease SingleRelease()
    {
        Assert.That(GitHub.Releases, Has.Count.EqualTo(1));
        return GitHub.Releases[0];
    }

    private string Local(string asset) => asset is ArtifactNames.Checksums || asset.EndsWith(ArtifactNames.ZipExtension)
        ? Path.Combine(Artifacts.PublishDirectory, asset)
        : Path.Combine(Artifacts.PublishDirectory, Tag, asset);

    private void AssertAssetsEqualLocalFiles(FakeRelease release)
    {
        Assert.That(release.Assets.Select(a => a.Name).Order(StringComparer.Ordinal), Is.EqualTo(AssetNames.Order(StringComparer.Ordinal)));
        foreach (var asset in release.Assets)
            Assert.That(asset.Content, Is.EqualTo(File.ReadAllBytes(Local(asset.Name))), asset.Name);
    }

    [Test]
    public async Task FirstPublishCreatesTheReleaseAndUploadsByteEqualAssetsToTheUploadUrl()
    {
        Assert.That(await Publish(), Is.EqualTo(StageOutcome.Ran));
        var release = SingleRelease();
        Assert.That(release.TagName, Is.EqualTo(Tag));
        Assert.That(release.Name, Is.EqualTo(Tag));
        Assert.That(release.Draft, Is.False);
        Assert.That(release.Prerelease, Is.False);
        Assert.That(release.Repository, Is.EqualTo(PublishArtifacts.Repository));
        AssertAssetsEqualLocalFiles(release);
        Assert.That(release.Assets.Single(a => a.Name.EndsWith(ArtifactNames.ZipExtension)).ContentType, Is.EqualTo("application/zip"));

        Assert.That(release.Body, Does.Contain("**Gate: passed**"));
        Assert.That(release.Body, Does.Contain("| exact_match | 10 | 55 | +45 |"));
        var manifest = ReleaseManifest.Parse(release.Body)!;
        Assert.That(manifest.AdapterSha256, Is.EqualTo(Artifacts.AdapterSha));
        Assert.That(manifest.Assets.Keys, Is.EquivalentTo(AssetNames));

        var requests = GitHub.Requests;
        Assert.That(requests.Count(r => r.IsUpload), Is.EqualTo(AssetNames.Length), "uploads go to the release's upload_url");
        Assert.That(requests.Where(r => !r.IsUpload).Select(r => r.Path), Is.All.StartsWith("/api/v3/repos/acme/rag-adapters/releases"),
            "GITHUB_API_URL is the base address of every API call");
        Assert.That(requests.Select(r => r.Authorization), Is.All.EqualTo($"token {Token}").IgnoreCase.Or.EqualTo($"Bearer {Token}").IgnoreCase);
        Assert.That(requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/releases")), Is.EqualTo(1));
        Assert.That(Artifacts.Console, Does.Contain($"release {Tag} created"));
    }

    [Test]
    public async Task ReRunningIsIdempotentAndOnlyReads()
    {
        await Publish();
        var ids = SingleRelease().Assets.Select(a => a.Id).ToList();
        GitHub.ClearRequests();

        Assert.That(await Publish(), Is.EqualTo(StageOutcome.UpToDate), "the package is up to date, the release is still checked");
        var release = SingleRelease();
        Assert.That(release.Assets.Select(a => a.Id), Is.EqualTo(ids), "no asset re-uploaded");
        AssertAssetsEqualLocalFiles(release);
        var requests = GitHub.Requests;
        Assert.That(requests.Where(r => r.Mutating), Is.Empty, string.Join("\n", requests.Select(r => $"{r.Method} {r.Path}")));
        Assert.That(requests, Has.Count.EqualTo(2), "get release by tag, list its assets");
        Assert.That(Artifacts.Console, Does.Contain("0 uploaded, 0 replaced, 6 unchanged, 0 deleted"));
    }

    [Test]
    public async Task AChangedAssetIsReplacedAndTheOthersLeftAlone()
    {
        await Publish();
        var before = SingleRelease().Assets.ToDictionary(a => a.Name, a => a.Id);
        GitHub.ClearRequests();

        // Same adapter, new model card (licence): README.md, SHA256SUMS and the zip change; the adapter files do not.
        Assert.That(await Publish("publish.license=mit"), Is.EqualTo(StageOutcome.Ran));
        var release = SingleRelease();
        AssertAssetsEqualLocalFiles(release);
        var after = release.Assets.ToDictionary(a => a.Name, a => a.Id);
        Assert.That(after[ArtifactNames.AdapterWeights], Is.EqualTo(before[ArtifactNames.AdapterWeights]));
        Assert.That(after[ArtifactNames.AdapterConfig], Is.EqualTo(before[ArtifactNames.AdapterConfig]));
        foreach (var changed in new[] { ArtifactNames.ModelCard, ArtifactNames.Checksums, ArtifactNames.PackageZip(Tag) })
            Assert.That(after[changed], Is.Not.EqualTo(before[changed]), changed);
        var requests = GitHub.Requests;
        Assert.That(requests.Count(r => r.Method == "DELETE"), Is.EqualTo(3));
        Assert.That(requests.Count(r => r.IsUpload), Is.EqualTo(3));
        Assert.That(requests.Count(r => r.Method == "PATCH"), Is.EqualTo(1), "the notes record the new hashes");
        Assert.That(requests.Count(r => r.Method == "POST" && !r.IsUpload), Is.Zero, "no second release");
        Assert.That(ReleaseManifest.Parse(release.Body)!.Assets[ArtifactNames.ModelCard].Sha256,
            Is.EqualTo(FileHashing.Sha256File(Local(ArtifactNames.ModelCard))));
    }

    [Test]
    public async Task AReleaseWithoutTheStandaloneReportGetsItOnTheNextRunAndNothingElseChanges()
    {
        await Publish();
        var release = SingleRelease();
        release.Assets.RemoveAll(a => a.Name == ArtifactNames.Report); // as published before report.json was an asset of its own
        GitHub.ClearRequests();
        Assert.That(await Publish(), Is.EqualTo(StageOutcome.UpToDate));
        AssertAssetsEqualLocalFiles(SingleRelease());
        Assert.That(GitHub.Requests.Where(r => r.Mutating).Select(r => r.IsUpload), Is.EqualTo(new[] { true }), "one upload, no delete");
        Assert.That(Artifacts.Console, Does.Contain("1 uploaded, 0 replaced, 5 unchanged, 0 deleted"));
    }

    [Test]
    public async Task AnAssetChangedOnTheServerIsReplaced()
    {
        await Publish();
        var asset = SingleRelease().Assets.Single(a => a.Name == ArtifactNames.AdapterConfig);
        asset.Content = [.. asset.Content.Take(asset.Content.Length - 1)]; // an interrupted earlier upload, for example
        GitHub.ClearRequests();
        await Publish();
        AssertAssetsEqualLocalFiles(SingleRelease());
        Assert.That(GitHub.Requests.Count(r => r.IsUpload), Is.EqualTo(1));
        Assert.That(GitHub.Requests.Count(r => r.Method == "DELETE"), Is.EqualTo(1));
    }

    [Test]
    public async Task ATagWithDifferentContentIsRefusedWithoutOverwriteAndReplacedWithIt()
    {
        await Publish();
        var oldSha = Artifacts.AdapterSha;
        Artifacts.WriteAdapter(seed: 2);
        Artifacts.WriteReport(passed: true, reasons: [], adapterSha: Artifacts.AdapterSha);
        GitHub.ClearRequests();

        var e = Assert.ThrowsAsync<PublishException>(() => Publish());
        Assert.That(e!.Message, Does.Contain("already exists").And.Contain("publish.overwrite=true")
            .And.Contain(oldSha).And.Contain(Artifacts.AdapterSha));
        Assert.That(GitHub.Requests.Where(r => r.Mutating), Is.Empty);

        Assert.That(await Publish("publish.overwrite=true"), Is.EqualTo(StageOutcome.UpToDate));
        var release = SingleRelease();
        AssertAssetsEqualLocalFiles(release);
        Assert.That(ReleaseManifest.Parse(release.Body)!.AdapterSha256, Is.EqualTo(Artifacts.AdapterSha));
    }

    [Test]
    public async Task AReleaseMadeByHandForTheTagIsRefusedWithoutOverwriteAndItsStrayAssetsRemovedWithIt()
    {
        var manual = GitHub.AddRelease(PublishArtifacts.Repository, Tag, "hand-written notes");
        GitHub.AddAsset(manual, "notes.txt", "hello"u8.ToArray());
        var e = Assert.ThrowsAsync<PublishException>(() => Publish());
        Assert.That(e!.Message, Does.Contain("already exists").And.Contain("no LoraPipeline manifest"));

        await Publish("publish.overwrite=true");
        var release = SingleRelease();
        Assert.That(release.Id, Is.EqualTo(manual.Id), "the release is updated in place");
        AssertAssetsEqualLocalFiles(release);
    }

    [Test]
    public async Task AFlakyUploadIsRetriedAndTheReleaseIsPublishedOnlyWhenComplete()
    {
        ReleasePublisher.RetryDelay = TimeSpan.FromMilliseconds(5);
        GitHub.Fail("POST", "/api/uploads/", 502, new { message = "Bad Gateway" });
        GitHub.Fail("POST", "/api/uploads/", 503, new { message = "Service Unavailable" });
        Assert.That(await Publish(), Is.EqualTo(StageOutcome.Ran));
        var release = SingleRelease();
        Assert.That(release.Draft, Is.False, "published after every asset arrived");
        AssertAssetsEqualLocalFiles(release);
        Assert.That(Artifacts.Console, Does.Contain("retrying (1/3)"));
    }

    [Test]
    public async Task AFailedUploadLeavesOnlyADraftThatTheNextRunCompletes()
    {
        ReleasePublisher.RetryDelay = TimeSpan.FromMilliseconds(5);
        for (var i = 0; i < ReleasePublisher.UploadAttempts; i++)
            GitHub.Fail("POST", "/api/uploads/", 500, new { message = "Server Error" });
        var e = Assert.ThrowsAsync<GitHubException>(() => Publish())!;
        Assert.That(e.Message, Does.Contain("upload"));
        Assert.That(SingleRelease().Draft, Is.True, "never an empty public release");
        Assert.That(await Publish(), Is.EqualTo(StageOutcome.UpToDate));
        var release = SingleRelease();
        Assert.That(release.Draft, Is.False);
        AssertAssetsEqualLocalFiles(release);
    }

    [Test]
    public async Task DraftsAreFoundAgainInsteadOfDuplicated()
    {
        await Publish("publish.draft=true", "publish.prerelease=true");
        var release = SingleRelease();
        Assert.That(release.Draft, Is.True);
        Assert.That(release.Prerelease, Is.True);
        GitHub.ClearRequests();
        await Publish("publish.draft=true", "publish.prerelease=true");
        SingleRelease();
        Assert.That(GitHub.Requests.Where(r => r.Mutating), Is.Empty);

        await Publish("publish.prerelease=true"); // publishing the draft
        Assert.That(SingleRelease().Draft, Is.False);
    }

    [Test]
    public async Task A401IsAnsweredWithAClearErrorThatHoldsNoToken()
    {
        GitHub.EchoCredentialsOn401 = true;
        var e = Assert.ThrowsAsync<GitHubException>(() => Artifacts.PublishAsync(Env("ghp_WRONGTOKEN_shouldneverbeprinted")));
        Assert.That(e!.Message, Does.Contain("401 Unauthorized").And.Contain("GITHUB_TOKEN").And.Contain(PublishArtifacts.Repository));
        foreach (var text in new[] { e.Message, e.ToString(), Artifacts.Console })
            Assert.That(text, Does.Not.Contain("ghp_WRONGTOKEN_shouldneverbeprinted"));
        Assert.That(e.ToString(), Does.Contain("***"), "the echoed token is masked");
    }

    [Test]
    public void A422IsAnsweredWithAClearErrorNamingTheField()
    {
        GitHub.Fail("POST", "/releases", 422, new
        {
            message = "Validation Failed",
            errors = new[] { new { resource = "Release", code = "invalid", field = "target_commitish" } },
        });
        var e = Assert.ThrowsAsync<GitHubException>(() => Publish());
        Assert.That(e!.Message, Does.Contain("422").And.Contain("create release adapter-v0.1.0").And.Contain("Release target_commitish invalid"));
        Assert.That(GitHub.Releases, Is.Empty);
    }

    [Test]
    public async Task TheTokenAppearsInNoOutputOfTheCommandLine()
    {
        // The real `lora publish` process: success, then a rejected token, with stdout and stderr captured.
        var config = Artifacts.Temp.Combine("test.yaml");
        File.WriteAllText(config, "publish:\n  version: 0.1.0\n");
        var environment = new Dictionary<string, string?>
        {
            ["GITHUB_TOKEN"] = Token, ["GITHUB_API_URL"] = GitHub.ApiUrl, ["GITHUB_REPOSITORY"] = PublishArtifacts.Repository,
        };
        var ok = LoraProcess.Run(Artifacts.Temp.Path, environment, "publish", "--config", config, "--artifacts", Artifacts.Artifacts);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Output);
        Assert.That(ok.Output, Does.Contain($"release {Tag} created"));
        AssertAssetsEqualLocalFiles(SingleRelease());

        GitHub.EchoCredentialsOn401 = true;
        environment["GITHUB_TOKEN"] = "ghp_OTHERSECRET987";
        var rejected = LoraProcess.Run(Artifacts.Temp.Path, environment, "publish", "--config", config, "--artifacts", Artifacts.Artifacts);
        Assert.That(rejected.ExitCode, Is.Not.EqualTo(0));
        Assert.That(rejected.Output, Does.Contain("401 Unauthorized"));
        Assert.That(ok.Output + rejected.Output, Does.Not.Contain(Token).And.Not.Contain("ghp_OTHERSECRET987"));
        await Task.CompletedTask;
    }

    [Test]
    public void SettingsAndTokenNeverPrintTheToken()
    {
        var settings = GitHubSettings.Resolve(new Configuration.PublishOptions(), PublishArtifacts.Environment(Token, GitHub.ApiUrl), out _)!;
        Assert.That(settings.ToString(), Does.Not.Contain(Token));
        Assert.That(settings.Token.ToString(), Does.Not.Contain(Token));
        Assert.That(settings.ApiUrl.AbsoluteUri, Is.EqualTo(GitHub.ApiUrl + "/"));
    }
}
