using System.Diagnostics;

namespace LoraPipeline.Tests.Support;

/// <summary>
/// Download, Convert and Prepare of the default config (built-in tiny model, shipped dataset) run once through the real CLI
/// with a test class's short training settings, then copied into a fresh artifacts folder per test so each trains from the
/// same prepared splits without redoing them.
/// </summary>
internal sealed class PreparedArtifacts : IDisposable
{
    private readonly TempDirectory _temp;
    private readonly string[] _settings;
    private readonly string _prepared;

    /// <summary>Runs the three stages in a new temporary folder named after <paramref name="name"/>, failing the set-up when one fails.</summary>
    /// <param name="name">Temporary folder name prefix.</param>
    /// <param name="settings"><c>--set k=v</c> pairs every command of the class gets (its short schedule).</param>
    public PreparedArtifacts(string name, IReadOnlyList<string> settings)
    {
        _temp = new TempDirectory(name);
        _settings = [.. settings];
        _prepared = _temp.Combine("prepared");
        foreach (var stage in new[] { "download", "convert", "prepare" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage, _prepared));
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        }
    }

    /// <summary>The artifacts folder holding the three prepared stages (read it, do not train in it).</summary>
    public string Prepared => _prepared;

    /// <summary>A path inside the temporary folder.</summary>
    public string Combine(string name) => _temp.Combine(name);

    /// <summary>The CLI arguments of <paramref name="stage"/> on <paramref name="artifacts"/> with the class's settings, then <paramref name="extra"/>.</summary>
    public string[] Args(string stage, string artifacts, params string[] extra) =>
        [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. _settings, .. extra];

    /// <summary>A new artifacts folder named <paramref name="name"/> holding a copy of the prepared stages.</summary>
    public string Fresh(string name)
    {
        var target = _temp.Combine(name);
        foreach (var file in Directory.EnumerateFiles(_prepared, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(_prepared, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return target;
    }

    /// <summary>Waits until a training checkpoint whose path holds <paramref name="step"/> (<c>step-000004</c>) is complete under the
    /// run's scratch folder, failing the test when <paramref name="process"/> exits first or <paramref name="timeout"/> passes.</summary>
    /// <returns>The scratch folder (<c>artifacts/.scratch</c>).</returns>
    public static string WaitForCheckpoint(string artifacts, Process process, string step, TimeSpan timeout)
    {
        var scratch = Path.Combine(artifacts, ".scratch");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            // trainer_state.json is written last, so its presence means the checkpoint is whole.
            if (Directory.Exists(scratch) && Directory.EnumerateFiles(scratch, "trainer_state.json", SearchOption.AllDirectories)
                    .Any(f => f.Contains(step, StringComparison.Ordinal)))
                return scratch;
            Thread.Sleep(20);
        }
        Assert.Fail($"no checkpoint {step} appeared (process exited: {process.HasExited})");
        return scratch;
    }

    /// <inheritdoc />
    public void Dispose() => _temp.Dispose();
}
