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
    public void Save(TrainerState state, IEnumerable<KeyValuePair<string, Tensor>> parameters, AdamW optimizer, int keep)
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

    /// <summary>Restores the newest complete checkpoint of <paramref name="fingerprint"/> into the parameters and optimizer; null when none.</summary>
    public TrainerState? RestoreLatest(string fingerprint, IReadOnlyList<KeyValuePair<string, TorchSharp.Modules.Parameter>> parameters, AdamW optimizer)
    {
        foreach (var directory in Complete())
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
            return state;
        }
        return null;
    }
}
