using System.Text.Json;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// Checkpoints under <c>{scratch}/checkpoints/step-NNNNNN/</c>: adapter parameters and optimizer moments as
/// float32 safetensors plus <c>trainer_state.json</c>. Each is written to a temporary folder and renamed into
/// place, so a kill at any moment leaves only complete checkpoints; the last k are kept.
/// </summary>
internal sealed class TrainingCheckpoints(string scratchDirectory)
{
    private const string StateFile = "trainer_state.json";
    private readonly string _root = Path.Combine(scratchDirectory, "checkpoints");

    /// <summary>Writes a checkpoint for <paramref name="state"/>.Step and keeps the newest <paramref name="keep"/>.</summary>
    public void Save(TrainerState state, IEnumerable<KeyValuePair<string, Tensor>> parameters, AdapterOptimizer optimizer, int keep)
    {
        AtomicDirectory.Write(Path.Combine(_root, $"step-{state.Step:000000}"), temp =>
        {
            SafetensorsWriter.Save(Path.Combine(temp, "adapter.safetensors"), parameters);
            SafetensorsWriter.Save(Path.Combine(temp, "optimizer.safetensors"), optimizer.StateTensors());
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, ConfigJson.Options));
        });
        foreach (var old in Complete().Skip(keep)) Directory.Delete(old, recursive: true);
    }

    /// <summary>Complete checkpoints, newest first.</summary>
    public IReadOnlyList<string> Complete() =>
        !Directory.Exists(_root) ? [] : Directory.EnumerateDirectories(_root, "step-*")
            .Where(d => File.Exists(Path.Combine(d, StateFile)))
            .OrderByDescending(d => d, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Restores the newest complete checkpoint of <paramref name="fingerprint"/> into the parameters and optimizer; null when
    /// none. A damaged one (truncated or unreadable files) is reported through <paramref name="log"/> and the previous
    /// complete one is used instead; when checkpoints exist but none can be read, a <see cref="StageException"/> says so
    /// rather than training on from half-restored weights.
    /// </summary>
    public TrainerState? RestoreLatest(string fingerprint, IReadOnlyList<KeyValuePair<string, TorchSharp.Modules.Parameter>> parameters, AdapterOptimizer optimizer,
        Action<string>? log = null)
    {
        var damaged = new List<string>();
        foreach (var directory in Complete())
        {
            try
            {
                var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(directory, StateFile)), ConfigJson.Options);
                if (state is null || state.Fingerprint != fingerprint) continue;
                using var scope = NewDisposeScope();
                using (var adapter = SafetensorsFile.Open(Path.Combine(directory, "adapter.safetensors")))
                using (no_grad())
                {
                    foreach (var (name, parameter) in parameters) parameter.copy_(adapter.Read(name));
                }
                using (var moments = SafetensorsFile.Open(Path.Combine(directory, "optimizer.safetensors")))
                    optimizer.Restore(moments.ReadAll(), state.Step);
                if (damaged.Count > 0) log?.Invoke($"resuming from the previous complete checkpoint {Path.GetFileName(directory)}");
                return state;
            }
            catch (Exception e) when (e is CheckpointException or JsonException or IOException or InvalidDataException
                or KeyNotFoundException or ArgumentException or System.Runtime.InteropServices.ExternalException)
            {
                damaged.Add(Path.GetFileName(directory));
                log?.Invoke($"warning: checkpoint {directory} cannot be read ({e.Message}); trying the one before it");
            }
        }
        if (damaged.Count > 0)
            throw new StageException(
                $"train: no checkpoint under {_root} can be read ({string.Join(", ", damaged)}); delete that folder to train from the start, or set train.resume=never");
        return null;
    }
}
