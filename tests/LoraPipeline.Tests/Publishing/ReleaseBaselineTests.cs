using System.IO.Compression;
using System.Text;
using LoraPipeline.Configuration;
using LoraPipeline.Evaluation;
using LoraPipeline.GitHub;
using LoraPipeline.Pipeline;
using LoraPipeline.Publishing;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Publishing;

/// <summary><c>eval.baseline: release:TAG</c>: the previous release's report.json fetched from <see cref="FakeGitHub"/> and gated on.</summary>
public class ReleaseBaselineTests : FakeGitHubTestBase
{
    private const string Tag = "adapter-v0.1.0";
    private const string TokenValue = "ghp_BASELINETOKEN0123456789SECRET";

    protected override string Token => TokenValue;

    private Func<string, string?> Env(string? token = TokenValue, string? repository = PublishArtifacts.Repository) =>
        PublishArtifacts.Environment(token, GitHub.ApiUrl, repository);

    private Task<ReleaseReport> Fetch(string baseline, Func<string, string?>? environment = null) =>
        ReleaseBaseline.FetchAsync(baseline, new PublishOptions(), environment ?? Env());

    private static byte[] Report(double loss, double exactMatch) => Encoding.UTF8.GetBytes(
        """{"gate": {"passed": true}, "metrics": {"base": {"loss": 3.0}, "adapter": {"loss": """ + Number(loss) + """, "exact_match": """
        + Number(exactMatch) + """, "token_f1": 60.0, "refusal_accuracy": 80.0}}}""");

    private static string Number(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IReadOnlyDictionary<string, double> Metrics(ReleaseReport report) =>
        Gate.ParseBaseline(Encoding.UTF8.GetString(report.Content), report.Source);

    private static readonly Dictionary<string, double> BaseModel = new() { ["loss"] = 3.0, ["exact_match"] = 5 };

    [Test]
    public async Task APublishedReleaseIsTheBaselineAndTheGatePassesWhenNoWorseAndFailsOnARegression()
    {
        Assert.That(await Artifacts.PublishAsync(Env()), Is.EqualTo(StageOutcome.Ran));
        GitHub.ClearRequests();

        var report = await Fetch($"release:{Tag}");
        var local = Path.Combine(Artifacts.PublishDirectory, Tag, ArtifactNames.Report);
        Assert.That(report.Content, Is.EqualTo(File.ReadAllBytes(local)));
        Assert.That(report.Sha256, Is.EqualTo(FileHashing.Sha256File(local)));
        Assert.That(report.Source, Is.EqualTo("asset report.json"));
        Assert.That(report.Tag, Is.EqualTo(Tag));
        var baseline = Metrics(report);
        Assert.That(baseline["loss"], Is.EqualTo(1.25));

        var options = new EvalOptions { MaxRegression = 0.02 };
        var same = new Dictionary<string, double>(baseline);
        var passed = Gate.Evaluate(options, BaseModel, same, baseline, report.Describe());
        Assert.That(passed.Passed, Is.True, string.Join("; ", passed.Reasons));
        Assert.That(passed.Checks.Single(c => c.Name == "baseline.loss").Detail, Does.Contain(report.Sha256).And.Contain(Tag));

        var worse = new Dictionary<string, double>(baseline) { ["loss"] = 1.4 };
        var failed = Gate.Evaluate(options, BaseModel, worse, baseline, report.Describe());
        Assert.That(failed.Passed, Is.False);
        Assert.That(failed.Reasons.Single(), Does.StartWith("baseline.loss"));

        // The asset API was asked for octet-stream with the token; the redirected download carried no credentials.
        var requests = GitHub.Requests;
        Assert.That(requests.Single(r => r.Path.Contains("/releases/assets/")).Authorization, Does.EndWith(Token));
        var download = requests.Single(r => r.Path.StartsWith("/download/"));
        Assert.That(download.Authorization, Is.Null, "the token is not sent to the storage address");
        Assert.That(requests.Where(r => r.Mutating), Is.Empty);
    }

    [Test]
    public async Task LatestIsTheNewestNonDraftRelease()
    {
        var old = GitHub.AddRelease(PublishArtifacts.Repository, "adapter-v0.1.0", "notes");
        GitHub.AddAsset(old, ArtifactNames.Report, Report(2.0, 30));
        var current = GitHub.AddRelease(PublishArtifacts.Repository, "adapter-v0.2.0", "notes");
        GitHub.AddAsset(current, ArtifactNames.Report, Report(1.5, 40));
        var draft = GitHub.AddRelease(PublishArtifacts.Repository, "adapter-v0.3.0", "notes", draft: true);
        GitHub.AddAsset(draft, ArtifactNames.Report, Report(9.0, 0));
        GitHub.AddAsset(GitHub.AddRelease("acme/other", "adapter-v9.0.0", "notes"), ArtifactNames.Report, Report(0.1, 99));

        var report = await Fetch("release:latest");
        Assert.That(report.Tag, Is.EqualTo("adapter-v0.2.0"));
        Assert.That(Metrics(report)["loss"], Is.EqualTo(1.5));
        Assert.That(Metrics(await Fetch("release:adapter-v0.1.0"))["loss"], Is.EqualTo(2.0));
    }

    [Test]
    public async Task WithoutAStandaloneAssetTheReportIsReadFromTheReleaseZip()
    {
        var release = GitHub.AddRelease(PublishArtifacts.Repository, Tag, "notes");
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in new[] { ($"{Tag}/README.md", "card"u8.ToArray()), ($"{Tag}/{ArtifactNames.Report}", Report(1.75, 35)) })
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(content);
            }
        }
        GitHub.AddAsset(release, ArtifactNames.PackageZip(Tag), zip.ToArray());

        var report = await Fetch($"release:{Tag}");
        Assert.That(report.Source, Is.EqualTo($"{Tag}/report.json in asset {Tag}.zip"));
        Assert.That(Metrics(report)["exact_match"], Is.EqualTo(35));

        var empty = GitHub.AddRelease(PublishArtifacts.Repository, "adapter-v0.0.1", "notes");
        GitHub.AddAsset(empty, "notes.txt", "hello"u8.ToArray());
        var e = Assert.ThrowsAsync<GitHubException>(() => Fetch("release:adapter-v0.0.1"));
        Assert.That(e!.Message, Does.Contain("adapter-v0.0.1").And.Contain(PublishArtifacts.Repository).And.Contain("neither a report.json asset"));
    }

    [Test]
    public void AMissingReleaseFailsClosedNamingTheTagAndTheRepository()
    {
        var e = Assert.ThrowsAsync<GitHubException>(() => Fetch("release:adapter-v7.7.7"));
        Assert.That(e!.Message, Does.StartWith("eval.baseline:").And.Contain("adapter-v7.7.7").And.Contain(PublishArtifacts.Repository)
            .And.Contain("was not found"));
        var latest = Assert.ThrowsAsync<GitHubException>(() => Fetch("release:latest"));
        Assert.That(latest!.Message, Does.Contain("no published (non-draft) release").And.Contain(PublishArtifacts.Repository));
        foreach (var text in new[] { e.ToString(), latest.ToString() })
            Assert.That(text, Does.Not.Contain(Token));
    }

    [Test]
    public void MissingCredentialsFailClosedWithoutAsking()
    {
        var e = Assert.ThrowsAsync<GitHubException>(() => Fetch($"release:{Tag}", Env(token: null)));
        Assert.That(e!.Message, Does.StartWith("eval.baseline:").And.Contain(Tag).And.Contain(PublishArtifacts.Repository)
            .And.Contain("GITHUB_TOKEN is not set"));
        var noRepository = Assert.ThrowsAsync<GitHubException>(() => Fetch($"release:{Tag}", Env(repository: null)));
        Assert.That(noRepository!.Message, Does.Contain("publish.repository or GITHUB_REPOSITORY").And.Not.Contain(Token));
        Assert.That(GitHub.Requests, Is.Empty);
        Assert.That(() => Fetch("release:"), Throws.TypeOf<GitHubException>().With.Message.Contains("release:latest"));
    }

    [Test]
    public async Task ARejectedTokenIsAClearErrorThatNeverHoldsTheToken()
    {
        GitHub.AddAsset(GitHub.AddRelease(PublishArtifacts.Repository, Tag, "notes"), ArtifactNames.Report, Report(1.0, 50));
        GitHub.EchoCredentialsOn401 = true;
        const string wrong = "ghp_WRONGBASELINE_neverprinted";
        var e = Assert.ThrowsAsync<GitHubException>(() => Fetch($"release:{Tag}", Env(token: wrong)));
        Assert.That(e!.Message, Does.Contain("401").And.Contain("GITHUB_TOKEN").And.Contain(PublishArtifacts.Repository));
        Assert.That(e.ToString(), Does.Not.Contain(wrong));

        var ok = await Fetch($"release:{Tag}");
        Assert.That(ok.Describe() + ok.ToString(), Does.Not.Contain(Token));
    }

    [Test]
    public void TheEvaluateStageFailsClosedBeforeLoadingAModel()
    {
        // A stage-level run: the baseline is resolved first, so these failures need no trained model.
        Task<StageOutcome> Evaluate(Func<string, string?> environment, string baseline) =>
            StageRunner.RunAsync(new EvaluateStage(environment), Artifacts.Run($"eval.baseline={baseline}"));

        var noToken = Assert.ThrowsAsync<GitHubException>(() => Evaluate(Env(token: null), $"release:{Tag}"));
        Assert.That(noToken!.Message, Does.Contain(Tag).And.Contain("GITHUB_TOKEN"));
        var missing = Assert.ThrowsAsync<GitHubException>(() => Evaluate(Env(), "release:adapter-v4.0.4"));
        Assert.That(missing!.Message, Does.Contain("adapter-v4.0.4").And.Contain(PublishArtifacts.Repository));

        GitHub.AddAsset(GitHub.AddRelease(PublishArtifacts.Repository, Tag, "notes"), ArtifactNames.Report, "{ not json"u8.ToArray());
        var unreadable = Assert.ThrowsAsync<StageException>(() => Evaluate(Env(), $"release:{Tag}"));
        Assert.That(unreadable!.Message, Does.Contain(Tag).And.Contain("not valid JSON"));

        foreach (var text in new[] { noToken.ToString(), missing.ToString(), unreadable.ToString(), Artifacts.Console })
            Assert.That(text, Does.Not.Contain(Token));
        Assert.That(Directory.Exists(Artifacts.Dir("evaluate")) && File.Exists(Path.Combine(Artifacts.Dir("evaluate"), ArtifactNames.Baseline)), Is.False,
            "nothing is committed for a failed run");
    }
}
