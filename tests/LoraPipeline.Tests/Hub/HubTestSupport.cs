using LoraPipeline.Hub;
using LoraPipeline.Tests.Support;
using Spectre.Console;

namespace LoraPipeline.Tests.Hub;

/// <summary>A fake hub, a fresh cache and a recording console per test.</summary>
public abstract class HubTestBase
{
    protected const string Secret = "hf_SeCrEtToKeN0123456789abcdefXYZ";

    protected FakeHub Hub = null!;
    protected TempDirectory Temp = null!;
    protected StringWriter ConsoleText = null!;
    protected IAnsiConsole Console = null!;

    protected string CacheDirectory => Temp.Combine("hf-home", "hub");

    [SetUp]
    public async Task StartHub()
    {
        Hub = await FakeHub.StartAsync();
        Temp = new TempDirectory("hub-test");
        ConsoleText = new StringWriter();
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(ConsoleText),
        });
        Console.Profile.Width = 10_000; // no wrapping: log lines stay whole and searchable
    }

    [TearDown]
    public async Task StopHub()
    {
        await Hub.DisposeAsync();
        Temp.Dispose();
        ConsoleText.Dispose();
    }

    private protected HubSettings Settings(string? token = null, bool offline = false, int retries = 3) =>
        new(CacheDirectory, Hub.Endpoint, token, offline)
        {
            MaxRetryAttempts = retries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RequestTimeout = TimeSpan.FromSeconds(20),
        };

    private protected HubClient Client(string? token = null, bool offline = false, int retries = 3) => new(Settings(token, offline, retries));

    protected string RepoFolder(string repoId) => Path.Combine(CacheDirectory, "models--" + repoId.Replace("/", "--"));

    protected int ResolveRequests(string file) =>
        Hub.Requests.Count(r => r.Path.Contains("/resolve/", StringComparison.Ordinal) && r.Path.EndsWith("/" + file, StringComparison.Ordinal));

    /// <summary>No snapshot marked complete and no unverified data linked into a snapshot.</summary>
    protected void AssertNothingPromoted(string repoId, string sha)
    {
        var repoFolder = RepoFolder(repoId);
        Assert.That(File.Exists(Path.Combine(repoFolder, ".lorapipeline", sha + ".json")), Is.False, "snapshot marked complete");
        var snapshot = Path.Combine(repoFolder, "snapshots", sha);
        if (!Directory.Exists(snapshot)) return;
        foreach (var link in Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories))
        {
            var target = new FileInfo(link).ResolveLinkTarget(true);
            Assert.That(target?.FullName, Does.Not.EndWith(".incomplete"), link);
        }
    }
}
