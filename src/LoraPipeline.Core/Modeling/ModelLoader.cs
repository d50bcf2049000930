using LoraPipeline.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Loads a Hugging Face model folder into a <see cref="LlamaForCausalLM"/>: the network is built on the <c>meta</c>
/// device (no memory), the safetensors headers are checked against the parameters <c>config.json</c> implies,
/// and then each tensor is read once, converted to the compute dtype, and installed in place.
/// </summary>
internal static class ModelLoader
{
    /// <summary>
    /// Loads <paramref name="modelDirectory"/> (<c>config.json</c> plus <c>model.safetensors</c> or shards) in
    /// <paramref name="computeDtype"/> on <paramref name="device"/>, frozen (no gradients). Throws
    /// <see cref="CheckpointException"/> naming every missing, unexpected or mis-shaped tensor and its file.
    /// </summary>
    public static LlamaForCausalLM Load(string modelDirectory, ScalarType computeDtype, Device device) =>
        Load(modelDirectory, computeDtype, placement: null, device);

    /// <summary>
    /// Loads <paramref name="modelDirectory"/> with each tensor read straight onto the device <paramref name="placement"/>
    /// gives it (embedding on the first, layer blocks on theirs, norm and LM head on the last); see
    /// <see cref="Load(string, ScalarType, Device)"/>.
    /// </summary>
    public static LlamaForCausalLM Load(string modelDirectory, ScalarType computeDtype, LayerPlacement placement) =>
        Load(modelDirectory, computeDtype, placement, placement.First);

    private static LlamaForCausalLM Load(string modelDirectory, ScalarType computeDtype, LayerPlacement? placement, Device device)
    {
        if (!Directory.Exists(modelDirectory))
            throw new CheckpointException($"{modelDirectory}: model folder not found");
        if (computeDtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"compute dtype must be float32, bfloat16 or float16, not {computeDtype}", nameof(computeDtype));
        var config = ModelConfig.Load(modelDirectory);
        var model = new LlamaForCausalLM(config, computeDtype, new Device(TorchSharp.DeviceType.META));
        var expected = ExpectedShapes(model);
        var stored = StoredTensors(modelDirectory);
        Check(modelDirectory, config, expected, stored);
        if (placement is not null && placement.LayerDevices.Count != config.NumHiddenLayers)
            throw new ArgumentException($"the placement covers {placement.LayerDevices.Count} layers; the model has {config.NumHiddenLayers}", nameof(placement));
        Device DeviceOf(string name) => placement?.DeviceOf(name) ?? device;
        var targets = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var fourBit = ModelQuantizer.FourBitWeights(config, stored.Keys);
        using (no_grad())
        {
            foreach (var group in stored.Where(s => expected.ContainsKey(s.Key) && !fourBit.Contains(s.Key)).GroupBy(s => s.Value.File))
            {
                using var reader = SafetensorsFile.Open(group.Key);
                foreach (var (name, _) in group)
                    Install(targets, name, reader.Read(name, computeDtype, DeviceOf(name)));
            }
            if (fourBit.Count > 0) InstallQuantized(model, fourBit, stored, DeviceOf);
        }
        model.TieWeights(placement?.Last);
        return model;
    }

    // Each 4-bit projection is read with its quant-state companions (which may sit in any shard) and replaces the
    // placeholder linear layer; the codes stay 4-bit on the device. Projections stored in full precision were installed
    // with the other tensors.
    private static void InstallQuantized(LlamaForCausalLM model, IReadOnlySet<string> fourBit, IReadOnlyDictionary<string, StoredTensor> stored,
        Func<string, Device> deviceOf)
    {
        using var checkpoint = new CheckpointTensors(name => stored.TryGetValue(name, out var entry) ? entry.File : null);
        foreach (var name in fourBit.Order(StringComparer.Ordinal))
            ModelQuantizer.Install(model, name, Quantization.Nf4Serialization.Read(name, n => checkpoint.Read(n, null, deviceOf(n)), stored[name].File));
    }

    /// <summary>Parameter name → shape the network expects (a tied <c>lm_head.weight</c> is not expected).</summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedShapes(LlamaForCausalLM model)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
            if (!(model.Config.TieWordEmbeddings && name == "lm_head.weight"))
                result[name] = parameter.shape;
        return result;
    }

    private sealed record StoredTensor(string File, long[] Shape);

    private static Dictionary<string, StoredTensor> StoredTensors(string modelDirectory)
    {
        var result = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (var file in CheckpointLoader.Files(modelDirectory))
        {
            var header = SafetensorsHeader.Read(file);
            foreach (var entry in header.Entries)
            {
                if (result.TryGetValue(entry.Name, out var other))
                    throw new CheckpointException($"{file}: tensor '{entry.Name}' also appears in {other.File}");
                result[entry.Name] = new StoredTensor(file, entry.Shape);
            }
        }
        return result;
    }

    // The network's parameters must be exactly what the config implies; the checkpoint is then checked
    // against the same inventory that Convert uses.
    private static void Check(string directory, ModelConfig config, IReadOnlyDictionary<string, long[]> expected,
        IReadOnlyDictionary<string, StoredTensor> stored)
    {
        var inventory = TensorInventory.Expected(config);
        if (inventory.Count != expected.Count || inventory.Any(p => !expected.TryGetValue(p.Key, out var shape) || !shape.SequenceEqual(p.Value)))
            throw new InvalidOperationException($"the {config.ArchitectureName} network's parameters differ from the tensor inventory of its config");
        TensorInventory.Check(config, stored.ToDictionary(p => p.Key, p => p.Value.Shape), directory, name => stored[name].File);
    }

    private static void Install(IReadOnlyDictionary<string, nn.Module> modules, string name, Tensor value)
    {
        var dot = name.LastIndexOf('.');
        var (path, leaf) = (name[..dot], name[(dot + 1)..]);
        var parameter = new Parameter(value, requires_grad: false);
        switch (modules[path], leaf)
        {
            case (Linear linear, "weight"): linear.weight = parameter; break;
            case (Linear linear, "bias"): linear.bias = parameter; break;
            case (Embedding embedding, "weight"): embedding.weight = parameter; break;
            case (RmsNorm norm, "weight"): norm.weight = parameter; break;
            default: throw new InvalidOperationException($"no way to install '{name}' into {modules[path].GetType().Name}");
        }
    }
}
