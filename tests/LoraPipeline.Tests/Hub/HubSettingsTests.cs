using LoraPipeline.Hub;

namespace LoraPipeline.Tests.Hub;

public sealed class HubSettingsTests
{
    private static HubSettings From(params (string Key, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Key, v => v.Value);
        return HubSettings.FromEnvironment(k => map.GetValueOrDefault(k));
    }

    [Test]
    public void Defaults_FollowHuggingFaceHub()
    {
        var settings = From(("HF_HOME", "/data/hf"));
        Assert.That(settings.Endpoint, Is.EqualTo("https://huggingface.co"));
        Assert.That(settings.CacheDirectory, Is.EqualTo(Path.GetFullPath("/data/hf/hub")));
        Assert.That(settings.Offline, Is.False);
        Assert.That(settings.HasToken, Is.False);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.That(From().CacheDirectory, Is.EqualTo(Path.Combine(home, ".cache", "huggingface", "hub")));
    }

    [TestCase("1", true)]
    [TestCase("true", true)]
    [TestCase("YES", true)]
    [TestCase("0", false)]
    [TestCase("", false)]
    public void Offline_ReadsHfHubOffline(string value, bool offline) =>
        Assert.That(From(("HF_HOME", "/h"), ("HF_HUB_OFFLINE", value)).Offline, Is.EqualTo(offline));

    [Test]
    public void EndpointCacheAndToken_AreHonoured_AndTheTokenIsMasked()
    {
        var settings = From(("HF_HOME", "/h"), ("HF_HUB_CACHE", "/elsewhere"), ("HF_ENDPOINT", "https://hf-mirror.example/"),
            ("HF_TOKEN", "hf_abcdefSECRET"));
        Assert.That(settings.Endpoint, Is.EqualTo("https://hf-mirror.example"));
        Assert.That(settings.CacheDirectory, Is.EqualTo(Path.GetFullPath("/elsewhere")));
        Assert.That(settings.HasToken);
        Assert.That(settings.Token, Is.EqualTo("hf_abcdefSECRET"));
        Assert.That(settings.ToString(), Does.Not.Contain("SECRET").And.Contain("hidden"));
    }

    [Test]
    public void TokenFile_IsUsedWhenHfTokenIsUnset()
    {
        using var temp = new Support.TempDirectory();
        File.WriteAllText(temp.Combine("token"), "hf_fromfile\n");
        Assert.That(From(("HF_HOME", temp.Path)).Token, Is.EqualTo("hf_fromfile"));
    }

    [Test]
    public void BadEndpoint_IsRejected() =>
        Assert.Throws<ArgumentException>(() => From(("HF_HOME", "/h"), ("HF_ENDPOINT", "ftp://x")));

    [TestCase("hf:org/name", "org/name", "main")]
    [TestCase("hf:org/name@v1.0", "org/name", "v1.0")]
    [TestCase("hf:gpt2@refs/pr/1", "gpt2", "refs/pr/1")]
    public void HubReference_Parses(string source, string repo, string revision) =>
        Assert.That(HubReference.Parse(source), Is.EqualTo(new HubReference(repo, revision)));

    [TestCase("hf:")]
    [TestCase("hf:org/name/extra")]
    [TestCase("hf:../etc")]
    [TestCase("hf:org/name@../../x")]
    [TestCase("org/name")]
    public void HubReference_RejectsBadSources(string source) =>
        Assert.Throws<ArgumentException>(() => HubReference.Parse(source));
}
