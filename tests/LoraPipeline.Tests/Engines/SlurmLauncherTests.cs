using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Engines;

/// <summary>
/// <c>train.launcher: slurm</c> on a real single-node Slurm cluster (Debian's slurm-wlm and munge, installed and started by
/// tools/slurm/start-local-cluster.sh in the set-up), training the built-in tiny model for a few steps through the real CLI:
/// submit and follow, a job failing on the node, Ctrl-C, scancel and requeue mid-run, each against an uninterrupted local run.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public class SlurmLauncherTests
{
    private static PreparedArtifacts? _runs;
    private static string _reference = null!;

    // Validation and a checkpoint every 2 steps: a run stopped after step 2 has 4 steps left to resume.
    private static readonly string[] Tiny =
    [
        "--set", "train.max_steps=6", "--set", "train.val_check_interval=2", "--set", "train.global_batch_size=2",
        "--set", "train.micro_batch_size=2", "--set", "train.warmup_steps=1", "--set", "train.early_stopping_patience=0",
    ];

    private static readonly string[] OnSlurm = ["--set", "train.launcher=slurm", "--set", "train.slurm.poll_interval_seconds=0.5"];

    private static string[] Args(string stage, string artifacts, params string[] extra) => _runs!.Args(stage, artifacts, extra);

    private static string Fresh(string name) => _runs!.Fresh(name);

    [OneTimeSetUp]
    public static void StartClusterAndTrainLocally()
    {
        var watch = Stopwatch.StartNew();
        var (code, output) = Shell("bash", RepositoryPaths.Combine("tools", "slurm", "start-local-cluster.sh"));
        TestContext.Progress.WriteLine($"{output.Trim()} (set-up {watch.Elapsed.TotalSeconds:0} s)");
        if (code == 2) Assert.Ignore($"no Slurm cluster: {output.Trim()}");
        Assert.That(code, Is.EqualTo(0), $"the local Slurm cluster did not start: {output}");

        _runs = new PreparedArtifacts("slurm-launcher", Tiny);
        _reference = Fresh("reference");
        var local = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", _reference));
        Assert.That(local.ExitCode, Is.EqualTo(0), local.Output);
    }

    [OneTimeTearDown]
    public static void Cleanup() => _runs?.Dispose();

    [Test]
    public void ASubmittedJobIsFollowedToTheOutputsAndFingerprintOfALocalRun()
    {
        var artifacts = Fresh("submitted");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, OnSlurm));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Match(@"submitted Slurm job \d+"));
        Assert.That(result.StdOut, Does.Contain("slurm: train: ").And.Contain("RUNNING").And.Contain("COMPLETED"), "the job's log and state are followed");
        Assert.That(AdapterHash(artifacts), Is.EqualTo(AdapterHash(_reference)));
        Assert.That(OutputNames(artifacts), Is.EqualTo(OutputNames(_reference)));
        Assert.That(Fingerprint(artifacts), Is.EqualTo(Fingerprint(_reference)));
        Assert.That(Directory.EnumerateDirectories(Path.Combine(artifacts, ".scratch")), Is.Empty, "the job folder goes with the scratch once committed");

        var again = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, OnSlurm));
        Assert.That(again.StdOut, Does.Contain("up to date").And.Not.Contain("submitted"), "same fingerprint: nothing submitted");
    }

    [Test]
    public void AJobThatFailsOnTheNodeEndsWithItsLogTailInOneLineAndLeavesNothing()
    {
        var artifacts = Fresh("failing");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, [.. OnSlurm, "--set", "train.slurm.lora_command=/nonexistent/lora"]));
        Assert.That(result.ExitCode, Is.EqualTo(1), result.Output);
        var error = result.StdErr.Trim();
        Assert.That(error.Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Match(@"^train failed: train: Slurm job \d+ failed \(FAILED, exit code 127\) on \S+; its log's last lines: .*/nonexistent/lora: No such file or directory \(log: \S+slurm-\d+\.log\)$"));
        Assert.That(error, Does.Not.Contain("   at "));
        Assert.That(Directory.Exists(Path.Combine(artifacts, "train")), Is.False, "no stage output");
    }

    // One artifacts folder through three runs: Ctrl-C after step 2, a resubmission scancel'ed after step 4, and one that finishes.
    [Test]
    public void CtrlCAndScancelLeaveNoAdapterAndAResubmissionResumesToABitwiseIdenticalAdapter()
    {
        var artifacts = Fresh("cancelled");
        var (interrupted, firstJob) = Interrupt(artifacts, "step-000002", (process, _) =>
        {
            using var kill = Process.Start("kill", ["-INT", process.Id.ToString()])!;
            kill.WaitForExit();
        });
        Assert.That(interrupted.ExitCode, Is.EqualTo(130), interrupted.Output);
        Assert.That(interrupted.StdOut, Does.Contain($"cancelling Slurm job {firstJob} (scancel)"));
        Assert.That(interrupted.StdErr.Trim(), Does.EndWith("train: interrupted").And.Not.Contain("   at "));
        Assert.That(JobState(firstJob), Is.EqualTo("CANCELLED"), "Ctrl-C scancel'ed the job");
        AssertNothingCommitted(artifacts);

        var (cancelled, secondJob) = Interrupt(artifacts, "step-000004", (_, jobId) => Assert.That(Shell("scancel", jobId).Code, Is.EqualTo(0)));
        Assert.That(secondJob, Is.Not.EqualTo(firstJob), "resubmitted");
        Assert.That(cancelled.ExitCode, Is.EqualTo(130), cancelled.Output);
        Assert.That(cancelled.StdOut, Does.Match(@"slurm: train: resumed from step [23] "), "Ctrl-C checkpointed after step 2 or the step it was in");
        Assert.That(cancelled.StdErr, Does.Match(
            @"^train failed: train: Slurm job \d+ was cancelled \(CANCELLED[^)]*\) on \S+; its log's last lines: .* \(log: \S+\); run Train again to resubmit it: it resumes from checkpoint step-\d+\s*$"));
        AssertNothingCommitted(artifacts);

        var resubmitted = LoraProcess.Run(RepositoryPaths.Root, null, Args("train", artifacts, OnSlurm));
        Assert.That(resubmitted.ExitCode, Is.EqualTo(0), resubmitted.Output);
        Assert.That(resubmitted.StdOut, Does.Contain("submitted Slurm job").And.Match(@"slurm: train: resumed from step [4-6] "));
        Assert.That(AdapterHash(artifacts), Is.EqualTo(AdapterHash(_reference)), "SHA-256 of adapter_model.safetensors");
    }

    // Starts a Slurm run, waits for the job's checkpoint, interrupts it; returns the run's end and the job's id.
    private static (LoraProcess.Result Result, string JobId) Interrupt(string artifacts, string checkpoint, Action<Process, string> interrupt)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts, OnSlurm));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        var jobId = WaitForCheckpoint(artifacts, process, checkpoint);
        interrupt(process, jobId);
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(90)), Is.True, "stops after the interruption");
        process.WaitForExit();
        if (process.ExitCode == 0) Assert.Inconclusive($"the job finished before it was interrupted after {checkpoint}");
        lock (stdout) lock (stderr) return (new LoraProcess.Result(process.ExitCode, stdout.ToString(), stderr.ToString()), jobId);
    }

    [Test]
    public void ARequeuedJobResumesFromItsCheckpointAndTheSameRunEndsWithTheSameAdapter()
    {
        var artifacts = Fresh("requeued");
        var output = new System.Text.StringBuilder();
        int exitCode;
        using (var process = LoraProcess.Start(RepositoryPaths.Root, null, Args("train", artifacts, OnSlurm)))
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            var jobId = WaitForCheckpoint(artifacts, process, "step-000002");
            // What pre-emption with PreemptMode=REQUEUE does: SIGTERM to the job, then back to the queue. A requeued job waits
            // out a begin time (about two minutes); the test lets it start at once.
            Assert.That(Shell("scontrol", "requeue", jobId).Code, Is.EqualTo(0));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && JobState(jobId) != "PENDING") Thread.Sleep(100);
            Assert.That(Shell("scontrol", "update", $"jobid={jobId}", "StartTime=now").Code, Is.EqualTo(0));
            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(5)), Is.True);
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        string text;
        lock (output) text = output.ToString();
        Assert.That(exitCode, Is.EqualTo(0), text);
        if (!text.Contains("requeued", StringComparison.Ordinal)) Assert.Inconclusive("the job finished before the requeue: " + text);
        Assert.That(text, Does.Contain("slurm: train: resumed from step"));
        Assert.That(AdapterHash(artifacts), Is.EqualTo(AdapterHash(_reference)));
    }

    private static void AssertNothingCommitted(string artifacts)
    {
        Assert.That(File.Exists(Path.Combine(artifacts, "train", ArtifactNames.StageManifest)), Is.False, "nothing committed");
        Assert.That(Directory.Exists(Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder)), Is.False, "no adapter left behind");
        Assert.That(Directory.EnumerateDirectories(artifacts, ".tmp-train-*"), Is.Empty, "no half-written stage folder");
    }


    private static string AdapterHash(string artifacts) =>
        Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder, ArtifactNames.AdapterWeights))));

    private static List<string> OutputNames(string artifacts) =>
        Directory.EnumerateFiles(Path.Combine(artifacts, "train"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(artifacts, "train"), f)).Order(StringComparer.Ordinal).ToList();

    private static string Fingerprint(string artifacts) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(artifacts, "train", ArtifactNames.StageManifest)))!["fingerprint"]!.GetValue<string>();

    // Waits until the job has written the checkpoint (step-00000N); returns the job's id.
    private static string WaitForCheckpoint(string artifacts, Process process, string checkpoint)
    {
        var scratch = PreparedArtifacts.WaitForCheckpoint(artifacts, process, checkpoint, TimeSpan.FromMinutes(4));
        return File.ReadAllText(Directory.EnumerateFiles(scratch, "job-id", SearchOption.AllDirectories).Single()).Trim();
    }

    private static string JobState(string jobId)
    {
        var (_, output) = Shell("scontrol", "show", "job", "-o", jobId);
        var field = output.Split(' ').FirstOrDefault(f => f.StartsWith("JobState=", StringComparison.Ordinal));
        return field?["JobState=".Length..] ?? $"(unknown: {output.Trim()})";
    }

    private static (int Code, string Output) Shell(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} did not finish in 5 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
