using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Training;
using Spectre.Console;

namespace LoraPipeline.Engines;

/// <summary>
/// The compute node's side of <c>train.launcher: slurm</c> (<c>lora train ... --slurm-payload FINGERPRINT</c>): checks that the
/// node sees the inputs the submitter fingerprinted, trains with the stage's scratch folder (so it resumes from the newest
/// checkpoint of a cancelled, pre-empted or requeued job), and moves the finished outputs to the job folder's <c>result/</c>
/// in one rename. The submitting process, which holds the stage, takes them from there.
/// </summary>
internal static class SlurmPayload
{
    /// <summary>Runs the Train stage's work for <paramref name="run"/> on this node.</summary>
    public static async Task RunAsync(PipelineRun run, string expectedFingerprint, CancellationToken stop)
    {
        var stage = new TrainStage();
        run.Config.Train.Launcher = TrainLauncher.Local; // this process is the job; where it runs is not part of the fingerprint
        var (fingerprint, _, _) = await StageRunner.FingerprintAsync(stage, run, stop).ConfigureAwait(false);
        if (fingerprint != expectedFingerprint)
            throw new StageException(
                $"train: on node {Environment.MachineName} the Train stage's fingerprint is {fingerprint[..12]}, not the submitter's {expectedFingerprint[..Math.Min(12, expectedFingerprint.Length)]}: " +
                $"the node sees other inputs or another lora version; the artifacts folder ({run.ArtifactsDirectory}), the data and lora itself must be the same on a filesystem the node shares");
        var scratch = StageRunner.ScratchDirectory(run.ArtifactsDirectory, stage.Name, fingerprint);
        Directory.CreateDirectory(scratch);
        var result = Path.Combine(scratch, SlurmLauncher.JobFolder, "result");
        AtomicDirectory.Write(result, temp =>
        {
            var context = StageContext.For(run, temp, scratch, fingerprint);
            stage.RunAsync(context, stop).GetAwaiter().GetResult();
            stop.ThrowIfCancellationRequested();
        });
        run.Console.WriteLine($"train: outputs written to {result}");
    }
}
