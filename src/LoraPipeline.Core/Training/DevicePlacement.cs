using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using Spectre.Console;

namespace LoraPipeline.Training;

/// <summary>
/// <c>train.devices</c>: the layer placement Train uses, computed from the Plan's per-part memory and printed before
/// training starts; null when the setting is empty (one device, <c>train.device</c>).
/// </summary>
internal static class DevicePlacement
{
    /// <summary>The placement for <paramref name="request"/>'s config and model, or null for a single device.</summary>
    public static LayerPlacement? For(TrainRequest request, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(console);
        var wanted = request.Config.Train.Devices;
        if (wanted.Count == 0) return null;
        var config = ModelConfig.Load(request.ModelDirectory);
        var inputs = SizingInputs.FromConfig(request.Config) with
        {
            Quantization = config.Quantization is null ? Configuration.WeightQuantization.None : Configuration.WeightQuantization.Nf4,
            FullPrecisionProjectionParameters = QuantizedWeights.FullPrecisionProjectionParameters(request.ModelDirectory, config),
        };
        var costs = PlacementCosts.Compute(config, inputs);
        var devices = wanted is ["auto"] ? AutoDevices(costs, config.NumHiddenLayers, console) : wanted.ToList();
        foreach (var device in devices.Distinct()) TorchRuntime.ParseDevice(device); // available here, or a clear error
        LayerPlacement placement;
        try
        {
            placement = LayerPlacement.Balance(devices, costs.EmbeddingBytes, costs.LayerBytes, costs.HeadBytes);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"train.devices: {e.Message}", e);
        }
        console.WriteLine($"train: layers over {devices.Count} devices, balanced by the Plan's memory (per layer {MemoryText.Bytes(costs.LayerBytes.FirstOrDefault())}, " +
                          $"embedding {MemoryText.Bytes(costs.EmbeddingBytes)}, norm + head + loss {MemoryText.Bytes(costs.HeadBytes)}):");
        foreach (var line in placement.Describe()) console.WriteLine($"train:   {line}");
        return placement;
    }

    // [auto]: as many of the visible CUDA devices as the Plan says the layers need (all of them when their memory is unknown).
    private static List<string> AutoDevices(PlacementCosts costs, int layers, IAnsiConsole console)
    {
        var visible = CudaDevices.List();
        if (visible.Count == 0)
            throw new InvalidDataException("train.devices: [auto] spreads the layers over the visible CUDA devices, and this machine has none; " +
                                           "list devices instead (e.g. [cpu, cpu] exercises the placement on a CPU)");
        var count = visible.Count;
        if (visible.All(d => d.MemoryBytes is not null))
        {
            var smallest = visible.Min(d => d.MemoryBytes!.Value);
            var placed = HardwarePlan.Placed(costs, layers, smallest, visible.Count);
            if (placed is null)
                console.WriteLine($"train: the Plan finds that {visible.Count} GPU(s) of {MemoryText.Bytes(smallest)} do not hold this training; trying all of them");
            count = placed?.Count ?? visible.Count;
            console.WriteLine($"train: devices auto: the Plan needs {count} of the {visible.Count} visible GPU(s)");
        }
        return visible.Take(count).Select(d => $"cuda:{d.Index}").ToList();
    }
}
