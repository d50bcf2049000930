using LoraPipeline.Selection;

namespace LoraPipeline.Tests.Selection;

/// <summary>Issue 18 point 2: the serving roofline behaves as the hardware does.</summary>
public class RooflineTests
{
    private static readonly Catalogue Shipped = Catalogue.Load();
    private static CatalogueModel Model(string name) => Shipped.Models.Single(m => m.Name == name);

    [Test]
    public void BatchOneDecodeIsWeightsOverBandwidth()
    {
        var model = Model("llama-2-7b");
        var h100 = Shipped.Gpu("H100-80GB");
        var step = Roofline.Decode(model, h100, 1, 1, 1, ServingPrecision.Bf16);
        // 6.74 B parameters less the 32000 × 4096 input embedding (looked up, not streamed), × 2 bytes, over 3.35 TB/s
        // at 80 % (the cards' figures, worked by hand): about 4.9 ms.
        Assert.That(step.MemorySeconds * 1000, Is.EqualTo((6.738e9 - 32000.0 * 4096) * 2 / (3.35e12 * 0.8) * 1000).Within(0.05));
        Assert.That(step.Bound, Is.EqualTo("memory"));
    }

    [Test]
    public void LargeBatchesBecomeComputeBoundAndTensorParallelismSplitsTheWork()
    {
        var model = Model("llama-3-8b");
        var h200 = Shipped.Gpu("H200");
        var small = Roofline.Decode(model, h200, 1, 1, 1024, ServingPrecision.Bf16);
        var large = Roofline.Decode(model, h200, 1, 512, 64, ServingPrecision.Bf16);
        Assert.That(large.Bound, Is.EqualTo("compute"), "short contexts: the weights are read once for 512 tokens");
        // At 1024 tokens of context each sequence's KV cache (128 KiB per token) outweighs the weights: memory-bound again.
        Assert.That(Roofline.Decode(model, h200, 1, 512, 1024, ServingPrecision.Bf16).Bound, Is.EqualTo("memory"));
        Assert.That(large.Seconds / 512, Is.LessThan(small.Seconds / 10), "batching raises tokens/s by far more than 10×");
        var tp2 = Roofline.Decode(model, h200, 2, 1, 1024, ServingPrecision.Bf16);
        Assert.That(tp2.MemorySeconds, Is.EqualTo(small.MemorySeconds / 2).Within(1e-12));
        Assert.That(tp2.CommunicationSeconds, Is.GreaterThan(0));
        Assert.That(small.CommunicationSeconds, Is.EqualTo(0));
    }

    [Test]
    public void LongerPromptsTakeLongerToTheFirstToken()
    {
        var model = Model("mistral-7b-v0.1");
        var gpu = Shipped.Gpu("A100-80GB");
        var short_ = Roofline.Prefill(model, gpu, 1, 1, 128, ServingPrecision.Bf16).Seconds;
        var long_ = Roofline.Prefill(model, gpu, 1, 1, 4096, ServingPrecision.Bf16).Seconds;
        Assert.That(long_, Is.GreaterThan(20 * short_ / 2), "compute-bound prefill grows at least linearly with the prompt");
    }

    [Test]
    public void TheLargestBatchFitsAndOneMoreDoesNot()
    {
        var model = Model("llama-2-13b");
        var gpu = Shipped.Gpu("A100-80GB");
        var workload = new ServingWorkload(3000, 1000, ServingPrecision.Bf16);
        var max = ServingEstimator.MaxBatch(model, gpu, 1, workload);
        Assert.That(max, Is.GreaterThan(0));
        // Llama 2 13B: 40 layers × 5120 × 2 (k, v) × 2 bytes = 800 KiB per token; 4000 tokens per sequence; 26 GB weights.
        var kvPerSequence = 40.0 * 5120 * 2 * 2 * 4000;
        Assert.That(26.0e9 + max * kvPerSequence, Is.LessThan(80.0 * (1L << 30) * 0.9));
        Assert.That(26.0e9 + (max + 4) * kvPerSequence, Is.GreaterThan(80.0 * (1L << 30) * 0.9 * 0.85));
        Assert.That(ServingEstimator.MaxBatch(Model("llama-2-70b"), gpu, 1, workload), Is.EqualTo(0), "140 GB of weights do not fit one 80 GB GPU");
    }

    [Test]
    public void Fp8IsRefusedOnAGpuWithoutIt()
    {
        var e = Assert.Throws<SelectionException>(() => Roofline.Decode(Model("llama-2-7b"), Shipped.Gpu("A100-80GB"), 1, 1, 1, ServingPrecision.Fp8))!;
        Assert.That(e.Message, Does.Contain("A100-80GB").And.Contain("fp8"));
    }
}
