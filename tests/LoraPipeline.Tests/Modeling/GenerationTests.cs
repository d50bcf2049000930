using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Modeling;

/// <summary>KV-cache generation, left-padded batches and seeded sampling agree with their simple equivalents.</summary>
public class GenerationTests
{
    private static readonly SamplingOptions NoEos = new() { MaxNewTokens = 16, EosTokenIds = [] };
    private LlamaForCausalLM _model = null!;

    [OneTimeSetUp]
    public void LoadModel() => _model = LlamaForCausalLM.Load(ModelGolden.Directory("llama_gqa"), ScalarType.Float32, CPU);

    [OneTimeTearDown]
    public void DisposeModel() => _model.Dispose();

    [TestCase("llama_gqa")]
    [TestCase("llama3_rope")]
    [TestCase("qwen2")]
    public void CachedGreedyEqualsFullRecomputation(string name)
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory(name), ScalarType.Float32, CPU);
        var prompt = ModelGolden.Load(name).InputIds;
        var cached = ModelRunner.Generate(model, prompt, NoEos);
        var recomputed = ModelRunner.Generate(model, prompt, NoEos with { UseCache = false });
        Assert.That(cached, Has.Count.EqualTo(16));
        Assert.That(cached, Is.EqualTo(recomputed));
    }

    [Test]
    public void CachedLogitsEqualFullForwardLogits()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(ModelGolden.Load("llama_gqa").InputIds.Select(i => (long)i).ToArray()).unsqueeze(0);
        var full = _model.Forward(ids);
        using var cache = _model.NewCache(4); // deliberately small: the cache must grow
        var first = _model.Forward(ids.narrow(1, 0, 5), null, cache);
        var rest = Enumerable.Range(5, (int)ids.shape[1] - 5).Select(i => _model.Forward(ids.narrow(1, i, 1), null, cache)).ToList();
        var stepped = cat([first, .. rest], 1);
        Assert.That(cache.Length, Is.EqualTo(ids.shape[1]));
        Assert.That((stepped - full).abs().max().item<float>(), Is.LessThan(1e-4f));
    }

    [Test]
    public void LeftPaddedBatchEqualsEachPromptAlone()
    {
        int[] longPrompt = [5, 17, 200, 33, 41, 9, 120, 77, 64, 3, 18];
        int[] shortPrompt = [90, 14, 250, 6];
        var batch = TokenGenerator.Generate(_model, [longPrompt, shortPrompt], NoEos);
        Assert.Multiple(() =>
        {
            Assert.That(batch[0], Is.EqualTo(ModelRunner.Generate(_model, longPrompt, NoEos)));
            Assert.That(batch[1], Is.EqualTo(ModelRunner.Generate(_model, shortPrompt, NoEos)));
            Assert.That(batch[1], Is.EqualTo(ModelRunner.Generate(_model, shortPrompt, NoEos with { UseCache = false })));
        });
    }

    [Test]
    public void PaddedLogitsEqualUnpaddedLogits()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int[] prompt = [90, 14, 250, 6];
        var alone = _model.Forward(tensor(prompt.Select(i => (long)i).ToArray()).unsqueeze(0));
        var (ids, mask) = TokenGenerator.LeftPad([[1, 2, 3, 4, 5, 6, 7], prompt], CPU);
        var padded = _model.Forward(ids, mask)[1].narrow(0, 3, 4);
        Assert.That((padded - alone[0]).abs().max().item<float>(), Is.LessThan(1e-4f));
    }

    [Test]
    public void EachPromptStopsAtItsOwnEos()
    {
        var golden = ModelGolden.Load("llama_bf16_sharded"); // its greedy path ends with eos id 2
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory(golden.Case), ScalarType.Float32, CPU);
        int[] other = [7, 8, 9];
        var batch = TokenGenerator.Generate(model, [golden.InputIds, other], SamplingOptions.GreedyDecoding(16));
        Assert.That(batch[0], Is.EqualTo(golden.Greedy));
        Assert.That(batch[0][^1], Is.EqualTo(2));
        Assert.That(batch[1], Is.EqualTo(ModelRunner.Generate(model, other, SamplingOptions.GreedyDecoding(16))));
    }

    [Test]
    public void SamplingWithTheSameSeedRepeats()
    {
        var options = NoEos with { Greedy = false, Temperature = 1.0, TopP = 0.9, Seed = 42 };
        int[] prompt = [5, 17, 200, 33];
        var first = ModelRunner.Generate(_model, prompt, options);
        var second = ModelRunner.Generate(_model, prompt, options);
        var otherSeed = ModelRunner.Generate(_model, prompt, options with { Seed = 43 });
        Assert.That(second, Is.EqualTo(first));
        Assert.That(otherSeed, Is.Not.EqualTo(first), "a different seed should change at least one of 16 sampled tokens");
    }

    [Test]
    public void SamplingNearZeroTemperatureEqualsGreedy()
    {
        int[] prompt = [5, 17, 200, 33];
        var greedy = ModelRunner.Generate(_model, prompt, NoEos);
        var cold = ModelRunner.Generate(_model, prompt, NoEos with { Greedy = false, Temperature = 1e-4, TopP = 0.9, Seed = 7 });
        Assert.That(cold, Is.EqualTo(greedy));
    }

    [Test]
    public void TinyTopPKeepsOnlyTheMostLikelyToken()
    {
        int[] prompt = [5, 17, 200, 33];
        var greedy = ModelRunner.Generate(_model, prompt, NoEos);
        var nucleus = ModelRunner.Generate(_model, prompt, NoEos with { Greedy = false, Temperature = 1.0, TopP = 1e-6, Seed = 3 });
        Assert.That(nucleus, Is.EqualTo(greedy));
    }
}
