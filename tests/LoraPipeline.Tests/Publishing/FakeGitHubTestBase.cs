using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Publishing;

/// <summary>Per-test publish artifacts and a fresh fake GitHub server that accepts <see cref="Token"/>.</summary>
public abstract class FakeGitHubTestBase
{
    /// <summary>The token the fake server accepts (each fixture uses its own, to spot leaks).</summary>
    protected abstract string Token { get; }

    private protected PublishArtifacts Artifacts { get; private set; } = null!;

    protected FakeGitHub GitHub { get; private set; } = null!;

    [SetUp]
    public async Task StartFakeGitHub()
    {
        Artifacts = new PublishArtifacts();
        GitHub = await FakeGitHub.StartAsync(Token);
    }

    [TearDown]
    public async Task StopFakeGitHub()
    {
        await GitHub.DisposeAsync();
        Artifacts.Dispose();
    }
}
