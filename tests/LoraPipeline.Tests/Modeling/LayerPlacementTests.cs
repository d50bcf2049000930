using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Modeling;

public class LayerPlacementTests
{
    [Test]
    public void AHandWorkedSplitPutsFewerLayersBesideTheEmbeddingAndTheHead()
    {
        // 8 layers of 10, embedding 25 on the first device, head 35 on the last, 3 devices.
        // By hand: loads (25 + 10a, 10b, 35 + 10c) with a + b + c = 8. Under 55 the first device takes a <= 2 and the
        // last c <= 1, leaving b >= 5 (50 or more) and then c = 1 and a = 2 give (45, 50, 45): the best is 50.
        var placement = LayerPlacement.Balance(["cuda:0", "cuda:1", "cuda:2"], 25, Enumerable.Repeat(10L, 8).ToList(), 35);
        var loads = Loads(placement, 25, 10, 35);
        Assert.That(loads.Max(), Is.EqualTo(50));
        Assert.That(loads.Max(), Is.EqualTo(BruteForceBest(3, 8, 25, 10, 35)));
        Assert.That(placement.LayerDevices, Is.Ordered, "contiguous blocks in order");
        Assert.That(placement.LayerDevices.Distinct().Count(), Is.EqualTo(3), "every device gets a layer");
        Assert.That(placement.Describe()[0], Does.StartWith("cuda:0: embed_tokens, layers 0-"));
        Assert.That(placement.Describe()[^1], Does.EndWith("norm + lm_head"));
    }

    [TestCase(2, 5, 100, 30, 0)]
    [TestCase(4, 32, 500, 120, 900)]
    [TestCase(3, 3, 1, 1, 1)]
    [TestCase(5, 24, 2000, 900, 2500)]
    public void TheSplitIsTheBestOfAllContiguousSplits(int devices, int layers, long embedding, long layer, long head)
    {
        var names = Enumerable.Range(0, devices).Select(i => $"cuda:{i}").ToList();
        var placement = LayerPlacement.Balance(names, embedding, Enumerable.Repeat(layer, layers).ToList(), head);
        Assert.That(Loads(placement, embedding, layer, head).Max(), Is.EqualTo(BruteForceBest(devices, layers, embedding, layer, head)));
    }

    [Test]
    public void TensorsGoToTheDeviceOfTheirPart()
    {
        var placement = new LayerPlacement(["cuda:0", "cuda:1", "cuda:2"], [0, 0, 1, 1, 2]);
        Assert.That(placement.DeviceNameOf("model.embed_tokens.weight"), Is.EqualTo("cuda:0"));
        Assert.That(placement.DeviceNameOf("model.layers.1.mlp.up_proj.weight"), Is.EqualTo("cuda:0"));
        Assert.That(placement.DeviceNameOf("model.layers.2.mlp.up_proj.weight"), Is.EqualTo("cuda:1"));
        Assert.That(placement.DeviceNameOf("model.layers.3.self_attn.q_proj.weight.absmax"), Is.EqualTo("cuda:1"));
        Assert.That(placement.DeviceNameOf("model.layers.4.input_layernorm.weight"), Is.EqualTo("cuda:2"));
        Assert.That(placement.DeviceNameOf("model.norm.weight"), Is.EqualTo("cuda:2"));
        Assert.That(placement.DeviceNameOf("lm_head.weight"), Is.EqualTo("cuda:2"));
        Assert.Throws<ArgumentException>(() => LayerPlacement.Balance(["cpu", "cpu", "cpu"], 1, [1L, 1L], 1));
    }

    [Test]
    public void Llama3SeventyBillionOnFourGpusGetsTwentyLayersEachGiveOrTakeTheEnds()
    {
        var config = PlanModelConfig.Load(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "configs", "llama3-70b.json"));
        var inputs = new SizingInputs
        {
            SeqLength = 4096, MicroBatchSize = 1, LoraR = 32, Dtype = DType.Bf16, Checkpointing = ActivationCheckpointing.Full,
            TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], LossChunkTokens = 1024,
        };
        var costs = PlacementCosts.Compute(config, inputs);
        var placement = LayerPlacement.Balance(["cuda:0", "cuda:1", "cuda:2", "cuda:3"], costs.EmbeddingBytes, costs.LayerBytes, costs.HeadBytes);
        var counts = Enumerable.Range(0, 4).Select(k => placement.LayerDevices.Count(d => d == k)).ToList();
        TestContext.Out.WriteLine(string.Join("\n", placement.Describe()) + $"\nper layer {costs.LayerBytes[0] / 1e9:0.00} GB, embedding {costs.EmbeddingBytes / 1e9:0.00} GB, head {costs.HeadBytes / 1e9:0.00} GB");
        Assert.That(counts.Sum(), Is.EqualTo(80));
        Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(2));
        Assert.That(counts[0], Is.LessThanOrEqualTo(counts[1]), "the embedding's device carries fewer layers");
        var largest = Loads(placement, costs.EmbeddingBytes, costs.LayerBytes[0], costs.HeadBytes).Max();
        Assert.That(largest * 1.1 + (1L << 30), Is.LessThan(80e9), "each share fits an 80 GB GPU with the Plan's workspace and constant");
    }

    private static long[] Loads(LayerPlacement placement, long embedding, long layer, long head)
    {
        var d = placement.Devices.Count;
        var loads = new long[d];
        foreach (var owner in placement.LayerDevices) loads[owner] += layer;
        loads[0] += embedding;
        loads[d - 1] += head;
        return loads;
    }

    // Every composition of the layers into `devices` positive parts.
    private static long BruteForceBest(int devices, int layers, long embedding, long layer, long head)
    {
        long best = long.MaxValue;
        void Walk(int device, int left, long worst, int[] counts)
        {
            if (device == devices - 1)
            {
                var load = left * layer + head + (devices == 1 ? embedding : 0);
                best = Math.Min(best, Math.Max(worst, load));
                return;
            }
            for (var n = 1; n <= left - (devices - 1 - device); n++)
                Walk(device + 1, left - n, Math.Max(worst, n * layer + (device == 0 ? embedding : 0)), counts);
        }
        Walk(0, layers, 0, new int[devices]);
        return best;
    }
}
