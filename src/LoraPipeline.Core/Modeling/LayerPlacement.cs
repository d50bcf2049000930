using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Where each part of the network lives when its decoder layers are spread over several devices in one process
/// (what <c>device_map="auto"</c> does for PEFT users): contiguous blocks of layers per device, the embedding on the
/// first device, the final norm and the LM head on the last. Activations move at the block boundaries in the forward
/// pass and back in the backward pass (autograd follows the copies). A device may appear more than once; with every
/// entry <c>cpu</c> the code path is the same and nothing moves.
/// </summary>
/// <param name="Devices">The devices, in pipeline order (<c>cuda:0</c>, <c>cuda:1</c>, … or <c>cpu</c>).</param>
/// <param name="LayerDevices">For each decoder layer, the index of its device in <paramref name="Devices"/> (non-decreasing).</param>
internal sealed partial record LayerPlacement(IReadOnlyList<string> Devices, IReadOnlyList<int> LayerDevices)
{
    /// <summary>The device of the embedding (and of the batches fed to the model).</summary>
    public Device First => ParseDevice(Devices[0]);

    /// <summary>The device of the final norm and the LM head (and of the loss).</summary>
    public Device Last => ParseDevice(Devices[^1]);

    /// <summary>Decoder layers per device, first to last.</summary>
    public IReadOnlyList<int> LayerCounts => Enumerable.Range(0, Devices.Count).Select(k => LayerDevices.Count(d => d == k)).ToList();

    /// <summary>Bytes on each device for these parts' costs: its layers, plus the embedding on the first and the head on the last.</summary>
    public IReadOnlyList<long> Loads(long embeddingBytes, IReadOnlyList<long> layerBytes, long headBytes)
    {
        ArgumentNullException.ThrowIfNull(layerBytes);
        var loads = new long[Devices.Count];
        for (var i = 0; i < LayerDevices.Count; i++) loads[LayerDevices[i]] += layerBytes[i];
        loads[0] += embeddingBytes;
        loads[^1] += headBytes;
        return loads;
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex LayerName();

    /// <summary>The device a checkpoint tensor is loaded onto, by its Hugging Face name.</summary>
    public Device DeviceOf(string tensorName) => ParseDevice(DeviceNameOf(tensorName));

    /// <summary>The device entry of a checkpoint tensor: its layer's, the first for the embedding, else the last.</summary>
    public string DeviceNameOf(string tensorName)
    {
        ArgumentNullException.ThrowIfNull(tensorName);
        if (LayerName().Match(tensorName) is { Success: true } m) return Devices[LayerDevices[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]];
        return tensorName.StartsWith("model.embed_tokens.", StringComparison.Ordinal) ? Devices[0] : Devices[^1];
    }

    /// <summary>
    /// Contiguous blocks balanced by memory: the split of <paramref name="layerBytes"/> over <paramref name="devices"/>
    /// (each device at least one layer) that minimises the largest device's bytes, the first device also holding
    /// <paramref name="embeddingBytes"/> and the last <paramref name="headBytes"/> (exact, by dynamic programming).
    /// </summary>
    public static LayerPlacement Balance(IReadOnlyList<string> devices, long embeddingBytes, IReadOnlyList<long> layerBytes, long headBytes)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(layerBytes);
        int d = devices.Count, n = layerBytes.Count;
        if (d == 0) throw new ArgumentException("no devices to place the layers on", nameof(devices));
        if (d > n) throw new ArgumentException($"{d} devices for {n} decoder layers: each device needs at least one layer", nameof(devices));
        var prefix = new long[n + 1];
        for (var i = 0; i < n; i++) prefix[i + 1] = prefix[i] + layerBytes[i];
        long Load(int device, int from, int to) =>
            prefix[to] - prefix[from] + (device == 0 ? embeddingBytes : 0) + (device == d - 1 ? headBytes : 0);
        // best[k, i]: the smallest largest load placing layers [0, i) on devices [0, k]; cut[k, i]: where device k starts.
        var best = new long[d, n + 1];
        var cut = new int[d, n + 1];
        for (var i = 1; i <= n; i++) best[0, i] = Load(0, 0, i);
        for (var k = 1; k < d; k++)
            for (var i = k + 1; i <= n; i++)
            {
                best[k, i] = long.MaxValue;
                for (var j = k; j < i; j++)
                {
                    var load = Math.Max(best[k - 1, j], Load(k, j, i));
                    if (load < best[k, i]) (best[k, i], cut[k, i]) = (load, j);
                }
            }
        var owners = new int[n];
        for (int k = d - 1, end = n; k >= 0; k--)
        {
            var start = k == 0 ? 0 : cut[k, end];
            for (var i = start; i < end; i++) owners[i] = k;
            end = start;
        }
        return new LayerPlacement(devices.ToList(), owners);
    }

    /// <summary>One line per device: its layers and what else it holds.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        for (var k = 0; k < Devices.Count; k++)
        {
            var layers = Enumerable.Range(0, LayerDevices.Count).Where(i => LayerDevices[i] == k).ToList();
            var parts = new List<string>();
            if (k == 0) parts.Add("embed_tokens");
            if (layers.Count > 0) parts.Add(layers.Count == 1 ? $"layer {layers[0]}" : $"layers {layers[0]}-{layers[^1]}");
            if (k == Devices.Count - 1) parts.Add("norm + lm_head");
            lines.Add($"{Devices[k]}: {string.Join(", ", parts)}");
        }
        return lines;
    }

    private static Device ParseDevice(string name) => Torch.TorchRuntime.ParseDevice(name);
}
