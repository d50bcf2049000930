using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using Spectre.Console;

namespace LoraPipeline.Tests.Foundation;

public class StageRunnerTests
{
    private TempDirectory _temp = null!;
    private string _dataset = null!;
    private StringWriter _log = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory("stage-runner");
        _dataset = _temp.Combine("dataset");
        Directory.CreateDirectory(_dataset);
        File.WriteAllText(Path.Combine(_dataset, "a.md"), "alpha");
        File.WriteAllText(Path.Combine(_dataset, "b.md"), "beta");
        _log = new StringWriter();
    }

    [TearDown]
    public void TearDown()
    {
        _temp.Dispose();
        _log.Dispose();
    }

    private PipelineRun Run(params string[] overrides) =>
        new(ConfigLoader.Parse("", "test.yaml", overrides), _temp.Combine("artifacts"), _temp.Path,
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_log), ColorSystem = ColorSystemSupport.NoColors }));

    private string StageDir(string stage) => _temp.Combine("artifacts", stage);

    [Test]
    public async Task FirstRunRunsEveryStageAndWritesManifests()
    {
        var graph = new TestGraph(_dataset);
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes, Is.All.EqualTo(StageOutcome.Ran));
        foreach (var stage in graph.All)
        {
            var manifest = StageManifest.TryRead(StageDir(stage.Name));
            Assert.That(manifest, Is.Not.Null, stage.Name);
            Assert.That(manifest!.Outputs.Select(o => o.Path), Is.EqualTo(new[] { "out.txt", "sub/extra.txt" }));
            Assert.That(manifest.Outputs[0].Sha256, Is.EqualTo(FileHashing.Sha256File(Path.Combine(StageDir(stage.Name), "out.txt"))));
        }
        Assert.That(StageManifest.TryRead(StageDir("prepare"))!.Inputs.Keys, Is.EqualTo(new[] { "dataset/a.md", "dataset/b.md" }));
    }

    [Test]
    public async Task SecondRunOfUnchangedGraphSkipsEveryStage()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes, Is.All.EqualTo(StageOutcome.UpToDate));
        Assert.That(graph.All.Select(s => s.Runs), Is.All.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("train: up to date"));
    }

    [Test]
    public async Task ChangingATrainKeyRerunsOnlyTrainAndWhatDependsOnIt()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var outcomes = await graph.RunAllAsync(Run("train.lr=0.0005"));
        Assert.That(outcomes, Is.EqualTo(new[] { StageOutcome.UpToDate, StageOutcome.UpToDate, StageOutcome.Ran, StageOutcome.Ran }));
    }

    [Test]
    public async Task ChangingAnEvalKeyRerunsOnlyEvaluate()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var outcomes = await graph.RunAllAsync(Run("eval.max_new_tokens=7"));
        Assert.That(outcomes, Is.EqualTo(new[] { StageOutcome.UpToDate, StageOutcome.UpToDate, StageOutcome.UpToDate, StageOutcome.Ran }));
    }

    [Test]
    public async Task EditingAnInputFileRerunsTheStageThatReadsItAndItsDependents()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        File.WriteAllText(Path.Combine(_dataset, "b.md"), "beta, revised");
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes, Is.EqualTo(new[] { StageOutcome.UpToDate, StageOutcome.Ran, StageOutcome.Ran, StageOutcome.Ran }));
        Assert.That(File.ReadAllText(Path.Combine(StageDir("prepare"), "out.txt")), Does.Contain("beta, revised"));
    }

    [Test]
    public async Task DeletingAnOutputFileForcesThatStageToRerun()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        File.Delete(Path.Combine(StageDir("prepare"), "sub", "extra.txt"));
        var outcomes = await graph.RunAllAsync(Run());
        // Prepare reruns with the same fingerprint and restores the file; what reads it is still valid.
        Assert.That(outcomes, Is.EqualTo(new[] { StageOutcome.UpToDate, StageOutcome.Ran, StageOutcome.UpToDate, StageOutcome.UpToDate }));
        Assert.That(File.Exists(Path.Combine(StageDir("prepare"), "sub", "extra.txt")));
    }

    [Test]
    public async Task EditingAnOutputFileForcesThatStageToRerun()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var output = Path.Combine(StageDir("train"), "out.txt");
        var original = File.ReadAllText(output);
        // Same length, different content, so only the hash can tell.
        File.WriteAllText(output, new string('x', original.Length));
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes[2], Is.EqualTo(StageOutcome.Ran));
        Assert.That(File.ReadAllText(output), Is.EqualTo(original));
    }

    [Test]
    public async Task AnEditThatKeepsSizeAndRestoresTheTimeIsStillDetected()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var output = Path.Combine(StageDir("train"), "out.txt");
        var original = File.ReadAllText(output);
        var time = File.GetLastWriteTimeUtc(output);
        File.WriteAllText(output, new string('y', original.Length));
        File.SetLastWriteTimeUtc(output, time);
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes[2], Is.EqualTo(StageOutcome.Ran), "issue 19 finding 11: small outputs are rehashed every run");
        Assert.That(File.ReadAllText(output), Is.EqualTo(original));
    }

    [Test]
    public async Task ADownstreamStageNoticesThatAnUpstreamOutputHasGone()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        File.Delete(Path.Combine(StageDir("download"), "out.txt"));
        var e = Assert.ThrowsAsync<StageException>(() => StageRunner.RunAsync(graph.Prepare, Run()))!;
        Assert.That(e.Message, Does.Contain("download/out.txt").And.Contain("changed or is missing").And.Contain("lora download"));
        Assert.That(graph.Prepare.Runs, Is.EqualTo(1), "prepare did not run on a damaged input");
    }

    [Test]
    public async Task TouchingAnOutputWithoutChangingItDoesNotRerun()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        File.SetLastWriteTimeUtc(Path.Combine(StageDir("train"), "out.txt"), DateTime.UtcNow.AddMinutes(5));
        var outcomes = await graph.RunAllAsync(Run());
        Assert.That(outcomes, Is.All.EqualTo(StageOutcome.UpToDate));
    }

    [Test]
    public async Task AStageFailingMidWriteLeavesNoManifestAndNoTemporaryFolder()
    {
        var failing = new TestStage("download", [], c => c.Model, body: async (context, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "model.safetensors"), "partial", ct);
            throw new IOException("disk full");
        });
        Assert.ThrowsAsync<IOException>(() => StageRunner.RunAsync(failing, Run()));
        Assert.That(Directory.Exists(StageDir("download")), Is.False);
        Assert.That(Directory.EnumerateDirectories(_temp.Combine("artifacts"), ".tmp-*"), Is.Empty);

        var graph = new TestGraph(_dataset);
        Assert.That(await StageRunner.RunAsync(graph.Download, Run()), Is.EqualTo(StageOutcome.Ran));
    }

    [Test]
    public async Task AStageKilledMidWriteKeepsThePreviousOutputsAndRerunsNextTime()
    {
        var graph = new TestGraph(_dataset);
        await graph.RunAllAsync(Run());
        var manifestBefore = File.ReadAllText(Path.Combine(StageDir("train"), ArtifactNames.StageManifest));

        // A kill (no finally blocks run) leaves exactly this behind: a temporary folder with partial
        // outputs and no manifest, a scratch folder, and a lock file whose lock died with the process.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var kill = new CancellationTokenSource();
        var blocking = new TestStage("train", ["download", "prepare"], c => new { c.Lora, c.Train }, body: async (context, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "out.txt"), "half", ct);
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var running = StageRunner.RunAsync(blocking, Run("train.lr=0.002"), kill.Token);
        await started.Task;
        // Mid-write: the new outputs exist only in a temporary folder; the committed folder is untouched.
        var temp = Directory.EnumerateDirectories(_temp.Combine("artifacts"), ".tmp-train-*").Single();
        Assert.That(File.ReadAllText(Path.Combine(temp, "out.txt")), Is.EqualTo("half"));
        Assert.That(File.Exists(Path.Combine(temp, ArtifactNames.StageManifest)), Is.False);
        Assert.That(File.ReadAllText(Path.Combine(StageDir("train"), ArtifactNames.StageManifest)), Is.EqualTo(manifestBefore));
        await kill.CancelAsync();
        Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());

        // Recreate what SIGKILL would have left (cancellation cleaned up after itself).
        var leftover = _temp.Combine("artifacts", ".tmp-train-deadbeef");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "out.txt"), "half");
        File.WriteAllText(_temp.Combine("artifacts", ".train.lock"), "");

        var fresh = new TestGraph(_dataset);
        var outcome = await StageRunner.RunAsync(fresh.Train, Run("train.lr=0.002"));
        Assert.That(outcome, Is.EqualTo(StageOutcome.Ran));
        Assert.That(Directory.Exists(leftover), Is.False);
        Assert.That(File.ReadAllText(Path.Combine(StageDir("train"), "out.txt")), Does.Contain("0.002"));
    }

    [Test]
    public void AStageWhoseUpstreamNeverRanSaysWhatToRun()
    {
        var graph = new TestGraph(_dataset);
        var e = Assert.ThrowsAsync<StageException>(() => StageRunner.RunAsync(graph.Train, Run()))!;
        Assert.That(e.Message, Does.Contain("'download'").And.Contain("--target=Download"));
    }

    [Test]
    public async Task ScratchFolderSurvivesAFailureForTheSameFingerprintAndIsRemovedAfterCommit()
    {
        string? scratchSeen = null;
        var attempt = 0;
        var stage = new TestStage("download", [], c => c.Model, body: async (context, ct) =>
        {
            scratchSeen = context.ScratchDirectory;
            var marker = Path.Combine(context.ScratchDirectory, "checkpoint");
            if (attempt++ == 0)
            {
                await File.WriteAllTextAsync(marker, "step 10", ct);
                throw new IOException("crash after checkpoint");
            }
            Assert.That(File.ReadAllText(marker), Is.EqualTo("step 10"));
            await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "out.txt"), "done", ct);
        });
        Assert.ThrowsAsync<IOException>(() => StageRunner.RunAsync(stage, Run()));
        Assert.That(await StageRunner.RunAsync(stage, Run()), Is.EqualTo(StageOutcome.Ran));
        Assert.That(Directory.Exists(scratchSeen), Is.False);
    }
}
