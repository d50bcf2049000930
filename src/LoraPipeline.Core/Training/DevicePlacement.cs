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
        var devices = wanted is ["auto"] ? VisibleCudaDevices() : wanted.ToList();
        foreach (var device in devices.Distinct()) TorchRuntime.ParseDevice(device); // available here, or a clear error
        var config = ModelConfig.Load(request.ModelDirectory);
        var inputs = SizingInputs.FromConfig(request.Config) with { Quantization = config.Quantization is null ? Configuration.WeightQuantization.None : Configuration.WeightQuantization.Nf4 };
        var costs = PlacementCosts.Compute(config, inputs);
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

    private static List<string> VisibleCudaDevices()
    {
        var count = TorchSharp.torch.cuda.is_available() ? TorchSharp.torch.cuda.device_count() : 0;
        if (count == 0)
            throw new InvalidDataException("train.devices: [auto] spreads the layers over the visible CUDA devices, and this machine has none; " +
                                           "list devices instead (e.g. [cpu, cpu] exercises the placement on a CPU)");
        return Enumerable.Range(0, count).Select(i => $"cuda:{i}").ToList();
    }
}
