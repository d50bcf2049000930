using System.Diagnostics;
using Spectre.Console;

namespace LoraPipeline.Pipeline;

/// <summary>
/// Runs a stage incrementally: computes its fingerprint, returns "up to date" when the committed
/// manifest matches and every recorded output is intact, and otherwise runs the stage into a temporary
/// folder, writes <c>stage.json</c> last, and swaps the folder into place. A stage killed mid-write
/// therefore leaves no manifest under its name, and the next run redoes it.
/// </summary>
internal static class StageRunner
{
    private const string TempPrefix = ".tmp-";
    private const string OldPrefix = ".old-";

    /// <summary>Runs <paramref name="stage"/> for <paramref name="run"/> unless it is up to date.</summary>
    public static async Task<StageOutcome> RunAsync(IStage stage, PipelineRun run, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(run.ArtifactsDirectory);
        using var stageLock = AcquireLock(run.ArtifactsDirectory, stage.Name);
        RemoveLeftovers(run.ArtifactsDirectory, stage.Name);

        var finalDirectory = Path.Combine(run.ArtifactsDirectory, stage.Name);
        var previous = StageManifest.TryRead(finalDirectory);
        var (fingerprint, upstream, inputs) = await FingerprintAsync(stage, run, cancellationToken).ConfigureAwait(false);

        if (previous is not null && previous.Fingerprint == fingerprint)
        {
            var damaged = FindDamagedOutput(finalDirectory, previous);
            if (damaged is null)
            {
                run.Console.MarkupLineInterpolated($"[green]{stage.Name}[/]: up to date ({fingerprint[..12]})");
                if (stage is IStageFollowUp upToDateFollowUp)
                    await upToDateFollowUp.FollowUpAsync(run, finalDirectory, cancellationToken).ConfigureAwait(false);
                return StageOutcome.UpToDate;
            }
            run.Console.MarkupLineInterpolated($"[yellow]{stage.Name}[/]: output {damaged} changed or missing; running again");
        }

        var scratch = ScratchDirectory(run.ArtifactsDirectory, stage.Name, fingerprint);
        RemoveStaleScratch(run.ArtifactsDirectory, stage.Name, scratch);
        Directory.CreateDirectory(scratch);
        var temp = Path.Combine(run.ArtifactsDirectory, $"{TempPrefix}{stage.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);

        run.Console.MarkupLineInterpolated($"[blue]{stage.Name}[/]: running ({fingerprint[..12]})");
        var watch = Stopwatch.StartNew();
        try
        {
            var context = StageContext.For(run, temp, scratch, fingerprint);
            await stage.RunAsync(context, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            var manifest = new StageManifest
            {
                Stage = stage.Name,
                Fingerprint = fingerprint,
                CoreVersion = CoreInfo.Version,
                CreatedUtc = DateTime.UtcNow,
                DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
                Upstream = new Dictionary<string, string>(upstream),
                Inputs = inputs.ToDictionary(i => i.Path, i => i.Sha256),
                Outputs = DescribeOutputs(temp),
            };
            manifest.Write(temp);
            Commit(temp, finalDirectory, run.ArtifactsDirectory, stage.Name);
        }
        catch
        {
            TryDeleteDirectory(temp);
            throw;
        }
        TryDeleteDirectory(scratch);
        run.Console.MarkupLineInterpolated($"[green]{stage.Name}[/]: done in {watch.Elapsed.TotalSeconds:0.0} s");
        if (stage is IStageFollowUp followUp)
            await followUp.FollowUpAsync(run, finalDirectory, cancellationToken).ConfigureAwait(false);
        return StageOutcome.Ran;
    }

    /// <summary>
    /// The stage's fingerprint for <paramref name="run"/> (with the upstream fingerprints and hashed input files it is made of);
    /// throws <see cref="StageException"/> when an upstream stage has not completed or its outputs changed.
    /// </summary>
    internal static async Task<(string Fingerprint, Dictionary<string, string> Upstream, List<InputRecord> Inputs)> FingerprintAsync(
        IStage stage, PipelineRun run, CancellationToken cancellationToken)
    {
        var upstream = ReadUpstream(stage, run);
        var inputs = HashInputs(stage, run);
        var hashed = inputs.ToDictionary(i => i.Path, i => i.Sha256);
        // E.g. the commit a Hub branch points at: a moved branch makes the stage (and what follows) run again.
        if (await stage.ResolveExternalInputAsync(new StageInputs(run.Config, run.BaseDirectory), run.Console, cancellationToken).ConfigureAwait(false) is { } external)
            hashed[$"<{stage.Name}: external input>"] = external;
        return (Fingerprint.Compute(stage, run.Config, upstream, hashed), upstream, inputs);
    }

    /// <summary>The scratch folder of a stage run: it survives a failed run of the same fingerprint (checkpoints for resume).</summary>
    internal static string ScratchDirectory(string artifactsDirectory, string stage, string fingerprint) =>
        Path.Combine(artifactsDirectory, ".scratch", $"{stage}-{fingerprint[..16]}");

    private static Dictionary<string, string> ReadUpstream(IStage stage, PipelineRun run)
    {
        var result = new Dictionary<string, string>();
        foreach (var name in stage.Upstream)
        {
            var directory = Path.Combine(run.ArtifactsDirectory, name);
            var manifest = StageManifest.TryRead(directory)
                ?? throw new StageException(
                    $"stage '{stage.Name}' reads the outputs of '{name}', which has not completed in {run.ArtifactsDirectory}; " +
                    $"run `./build.sh --target={char.ToUpperInvariant(name[0])}{name[1..]}` (or `lora {name}`) first");
            if (FindDamagedOutput(directory, manifest) is { } damaged)
                throw new StageException(
                    $"stage '{stage.Name}' reads {name}/{damaged}, which changed or is missing since '{name}' ran; " +
                    $"run `./build.sh --target={char.ToUpperInvariant(name[0])}{name[1..]}` (or `lora {name}`) again");
            result[name] = manifest.Fingerprint;
        }
        return result;
    }

    /// <summary>An input file (relative to the base folder) and its SHA-256.</summary>
    internal sealed record InputRecord(string Path, string Sha256);

    private static List<InputRecord> HashInputs(IStage stage, PipelineRun run)
    {
        var records = new List<InputRecord>();
        foreach (var file in stage.InputFiles(new StageInputs(run.Config, run.BaseDirectory)).Distinct())
        {
            var full = Path.GetFullPath(file);
            if (!File.Exists(full))
                throw new StageException($"stage '{stage.Name}': input file {full} does not exist");
            var key = Path.GetRelativePath(run.BaseDirectory, full).Replace('\\', '/');
            records.Add(new InputRecord(key, FileHashing.Sha256File(full)));
        }
        return records;
    }

    /// <summary>Outputs up to this size are always rehashed; larger ones only when their size or time changed.</summary>
    internal const long RehashAlwaysBytes = 256L << 20;

    // Small outputs are rehashed every time, so an edit that keeps the size and restores the time is still
    // seen. Rehashing a multi-GB checkpoint on every run would cost tens of seconds, so large files keep make's
    // rule: same size and time means unchanged.
    private static string? FindDamagedOutput(string directory, StageManifest manifest)
    {
        foreach (var output in manifest.Outputs)
        {
            var path = Path.Combine(directory, output.Path);
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != output.Size) return output.Path;
            var rehash = info.Length <= RehashAlwaysBytes || info.LastWriteTimeUtc.Ticks != output.MtimeTicks;
            if (rehash && FileHashing.Sha256File(path) != output.Sha256) return output.Path;
        }
        return null;
    }

    private static List<StageManifest.OutputFile> DescribeOutputs(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(path => new FileInfo(path))
            .Where(info => info.Name != ArtifactNames.StageManifest)
            .OrderBy(info => info.FullName, StringComparer.Ordinal)
            .Select(info => new StageManifest.OutputFile(
                Path.GetRelativePath(directory, info.FullName).Replace('\\', '/'),
                info.Length,
                info.LastWriteTimeUtc.Ticks,
                FileHashing.Sha256File(info.FullName)))
            .ToList();

    private static void Commit(string temp, string finalDirectory, string artifacts, string stage)
    {
        string? old = null;
        if (Directory.Exists(finalDirectory))
        {
            old = Path.Combine(artifacts, $"{OldPrefix}{stage}-{Guid.NewGuid():N}");
            Directory.Move(finalDirectory, old);
        }
        Directory.Move(temp, finalDirectory);
        if (old is not null) TryDeleteDirectory(old);
    }

    private static void RemoveLeftovers(string artifacts, string stage)
    {
        foreach (var prefix in new[] { TempPrefix, OldPrefix })
            foreach (var directory in Directory.EnumerateDirectories(artifacts, $"{prefix}{stage}-*"))
                TryDeleteDirectory(directory);
    }

    private static void RemoveStaleScratch(string artifacts, string stage, string keep)
    {
        var root = Path.Combine(artifacts, ".scratch");
        if (!Directory.Exists(root)) return;
        foreach (var directory in Directory.EnumerateDirectories(root, $"{stage}-*"))
            if (!string.Equals(Path.GetFullPath(directory), Path.GetFullPath(keep), StringComparison.Ordinal))
                TryDeleteDirectory(directory);
    }

    private static FileStream AcquireLock(string artifacts, string stage)
    {
        var path = Path.Combine(artifacts, $".{stage}.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new StageException($"stage '{stage}' is already running for {artifacts} in another process (lock {path})");
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
