using LoraPipeline.Configuration;
using LoraPipeline.GitHub;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Publishing;

namespace LoraPipeline.Tests.Foundation;

/// <summary>Issue 19 finding 2: no URL we print carries its credentials.</summary>
public class UrlRedactionTests
{
    private const string Secret = "ghp_s3cr3tvalue";

    [TestCase("http://x:" + Secret + "@host/api/v3/", "http://***@host/api/v3/")]
    [TestCase("https://" + Secret + "@hub.example/models", "https://***@hub.example/models")]
    [TestCase("see https://hub.example/file?token=" + Secret + "&x=1 now", "see https://hub.example/file?token=***&x=1 now")]
    [TestCase("https://cdn.example/a?X-Amz-Signature=abc&sig=" + Secret, "https://cdn.example/a?X-Amz-Signature=abc&sig=***")]
    [TestCase("https://api.github.com/", "https://api.github.com/")]
    public void CredentialsAreMasked(string text, string expected) => Assert.That(UrlRedaction.Redact(text), Is.EqualTo(expected));

    [Test]
    public void GitHubSettingsAndErrorsNeverPrintCredentialsFromTheApiUrl()
    {
        var settings = GitHubSettings.Resolve(new PublishOptions(),
            PublishArtifacts.Environment("token-" + Secret, $"http://x:{Secret}@127.0.0.1:9/api/v3/"), out _)!;
        var error = GitHubErrors.Describe(settings, "look up release v1", new HttpRequestException("connection refused"));
        Assert.Multiple(() =>
        {
            Assert.That(settings.ToString(), Does.Not.Contain(Secret));
            Assert.That(error.Message, Does.Not.Contain(Secret).And.Contain("127.0.0.1"));
        });
    }

    [Test]
    public void AHubEndpointWithCredentialsIsRefusedWithoutEchoingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => new HubSettings(Path.GetTempPath(), $"https://user:{Secret}@mirror.example"))!;
        Assert.That(e.Message, Does.Contain("HF_ENDPOINT").And.Not.Contain(Secret), "refused, and the refusal does not repeat it");
    }
}
