using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Hub;

/// <summary>
/// Issue 16 point 5: the base model's licence comes from its model card. Download fetches README.md when the repository has one
/// (and succeeds without one), reads its front matter and records the licence in download/source.json.
/// </summary>
[Category("Integration")]
public sealed class BaseModelLicenseTests : HubTestBase
{
    [TestCase("---\nlicense: apache-2.0\n---\n# m\n", "apache-2.0", null, null)]
    [TestCase("\uFEFF---\r\nlanguage: [en]\r\nlicense: other\r\nlicense_name: llama3.1\r\nlicense_link: LICENSE\r\n---\r\n", "other", "llama3.1", "LICENSE")]
    [TestCase("---\nlicense: \"llama3\"\ntags:\n  - a\n---\n", "llama3", null, null)]
    public void FrontMatterLicenceIsRead(string card, string id, string? name, string? link) =>
        Assert.That(BaseModelLicense.Parse(card), Is.EqualTo(new BaseModelLicense(id, name, link)));

    [TestCase("# a card without front matter\n\nlicense: mit\n")]
    [TestCase("---\ntags: [a]\n---\n")]
    [TestCase("---\nlicense: [unclosed\n---\n")]
    [TestCase("---\nlicense: mit\n")]
    [TestCase("")]
    public void NoLicenceIsNullNotAnError(string card) => Assert.That(BaseModelLicense.Parse(card), Is.Null);

    private Dictionary<string, string?> StageEnvironment() => new()
    {
        ["HF_ENDPOINT"] = Hub.Endpoint, ["HF_HOME"] = Temp.Combine("hf-home"), ["HF_TOKEN"] = null, ["HF_HUB_OFFLINE"] = null, ["HF_HUB_CACHE"] = null,
    };

    private LoraProcess.Result Download(string source, string artifacts)
    {
        var config = Temp.Combine(artifacts + ".yaml");
        File.WriteAllText(config, $"model:\n  source: {source}\n");
        return LoraProcess.Run(Temp.Path, StageEnvironment(), "download", "--config", config, "--artifacts", Temp.Combine(artifacts));
    }

    [Test]
    public void TheDownloadStageFetchesTheModelCardAndRecordsItsLicence()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/licensed");
        repo.AddText("README.md", "---\nlicense: other\nlicense_name: acme-community\nlicense_link: https://example.test/LICENSE\n---\n# acme\n");

        var result = Download("hf:acme/licensed", "licensed");

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(ResolveRequests("README.md"), Is.EqualTo(1), "the model card is downloaded");
        Assert.That(File.ReadAllBytes(Path.Combine(RepoFolder(repo.RepoId), "snapshots", repo.Sha, "README.md")), Is.EqualTo(repo["README.md"].Content));
        Assert.That(ModelPointer.RecordedLicense(Temp.Combine("licensed")),
            Is.EqualTo(new BaseModelLicense("other", "acme-community", "https://example.test/LICENSE")));
        Assert.That(result.Output, Does.Contain("download: base model licence other (acme-community) (from its README.md)"));
    }

    [Test]
    public void ARepositoryWithoutAModelCardStillDownloads_AndSaysPublishNeedsALicence()
    {
        var repo = FakeHubModels.AddShardedBf16Model(Hub, "acme/no-card");
        Assert.That(repo.RemoveFile("README.md"), Is.True);

        var result = Download("hf:acme/no-card", "no-card");

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(ResolveRequests("README.md"), Is.Zero, "an absent card is not asked for");
        Assert.That(ModelPointer.RecordedLicense(Temp.Combine("no-card")), Is.Null);
        Assert.That(result.Output, Does.Contain("names no licence; Publish needs publish.license for an hf: base"));
        Assert.That(File.Exists(Path.Combine(RepoFolder(repo.RepoId), "snapshots", repo.Sha, "config.json")), Is.True);
    }
}
