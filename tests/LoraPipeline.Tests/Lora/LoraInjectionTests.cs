using LoraPipeline.Lora;
using static TorchSharp.torch;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Lora;

/// <summary>Injection by patterns, freezing, gradients, and merge/unmerge on a whole model.</summary>
public class LoraInjectionTests
{
    [Test]
    public void ShortNamesMatchThatProjectionInEveryLayer()
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("q_proj", "down_proj"), seed: 1);
        Assert.That(adapter.ModulePaths, Is.EqualTo(new[]
        {
            "model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.mlp.down_proj",
        }));
        Assert.That(adapter.TargetModules, Is.EqualTo(new[] { "down_proj", "q_proj" }));
        Assert.That(model.Model.Layers[1].SelfAttention.GetProjection("q_proj"), Is.InstanceOf<LoraLinear>());
        Assert.That(model.Model.Layers[1].SelfAttention.GetProjection("k_proj"), Is.Not.InstanceOf<LoraLinear>());
    }

    [Test]
    public void RegularExpressionsMatchTheWholeModulePath()
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options(@"model\.layers\.(0|1)\.self_attn\.v_proj", @"model\.layers\.1\.mlp\.(up|gate)_proj"), seed: 1);
        Assert.That(adapter.ModulePaths, Is.EqualTo(new[]
        {
            "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.v_proj",
            "model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj",
        }));
        // A partial match is not a match: PEFT uses re.fullmatch.
        using var other = LoadFixture();
        Assert.Throws<LoraException>(() => LoraInjector.Apply(other, Options(@"layers\.0\.self_attn\.v_proj"), seed: 1));
    }

    [Test]
    public void PatternThatMatchesNothingIsAnErrorListingTheNames()
    {
        using var model = LoadFixture();
        var error = Assert.Throws<LoraException>(() => LoraInjector.Apply(model, Options("q_proj", "qkv_proj"), seed: 1))!;
        Assert.That(error.Message, Does.Contain("'qkv_proj'"));
        Assert.That(error.Message, Does.Contain("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"));
        var regex = Assert.Throws<LoraException>(() => LoraInjector.Apply(model, Options(@"model\.layers\.7\..*"), seed: 1))!;
        Assert.That(regex.Message, Does.Contain(@"'model\.layers\.7\..*'"));
        var invalid = Assert.Throws<LoraException>(() => LoraInjector.Apply(model, Options("q_proj(("), seed: 1))!;
        Assert.That(invalid.Message, Does.Contain("not a valid regular expression"));
        Assert.That(model.Model.Layers[0].SelfAttention.GetProjection("q_proj"), Is.Not.InstanceOf<LoraLinear>(), "nothing injected on error");
    }

    [Test]
    public void SameSeedGivesIdenticalAAndBStartsAtZero()
    {
        using var first = LoadFixture();
        using var second = LoadFixture();
        using var third = LoadFixture();
        var a = LoraInjector.Apply(first, Options(), seed: 5);
        var b = LoraInjector.Apply(second, Options(), seed: 5);
        var c = LoraInjector.Apply(third, Options(), seed: 6);
        for (var i = 0; i < a.Layers.Count; i++)
        {
            var (path, layer) = a.Layers[i];
            Assert.That(LoraTestSupport.Values(b.Layers[i].Value.LoraA), Is.EqualTo(Values(layer.LoraA)), path);
            Assert.That(LoraTestSupport.Values(c.Layers[i].Value.LoraA), Is.Not.EqualTo(Values(layer.LoraA)), path);
            Assert.That(Values(layer.LoraA).Max(Math.Abs), Is.LessThanOrEqualTo(1.0 / Math.Sqrt(layer.InFeatures)), path);
            Assert.That(Values(layer.LoraB), Is.All.EqualTo(0f), path);
        }
    }

    [Test]
    public void AdapterAtStepZeroGivesExactlyTheBaseLogits()
    {
        using var model = LoadFixture();
        var baseLogits = Logits(model);
        LoraInjector.Apply(model, Options(), seed: 3);
        Assert.That(MaxAbsDifference(Logits(model), baseLogits), Is.EqualTo(0.0));
    }

    [Test]
    public void ParametersAreOnlyTheAdapterInAStableOrder()
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("v_proj", "up_proj"), seed: 3);
        var parameters = adapter.Parameters();
        Assert.That(parameters, Has.Count.EqualTo(2 * 4));
        Assert.That(adapter.NamedParameters().Select(p => p.Key).Take(4), Is.EqualTo(new[]
        {
            "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
            "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight",
            "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight",
        }));
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        Assert.That(trainable, Has.Count.EqualTo(parameters.Count));
        Assert.That(adapter.TrainableParameterCount, Is.EqualTo(2 * (4 * 64 + 32 * 4) + 2 * (4 * 64 + 128 * 4)));
    }

    [Test]
    public void GradientsReachOnlyTheAdapter()
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options(), seed: 3);
        RandomizeB(adapter, 9);
        model.train();
        using (var scope = NewDisposeScope())
        {
            var input = tensor(Ids.Select(i => (long)i).ToArray(), [1, Ids.Length], ScalarType.Int64);
            var logits = model.Forward(input);
            var loss = nn.functional.cross_entropy(logits[0, ..^1], input[0, 1..]);
            loss.backward();
        }
        var adapterParameters = adapter.Parameters().ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (adapterParameters.Contains(parameter))
            {
                Assert.That(parameter.grad, Is.Not.Null, name);
                Assert.That(parameter.grad!.abs().sum().item<float>(), Is.GreaterThan(0f), name);
            }
            else
            {
                Assert.That(parameter.requires_grad, Is.False, name);
                Assert.That(parameter.grad, Is.Null, name);
            }
        }
        Assert.That(adapterParameters, Has.Count.EqualTo(2 * 7 * 2));
    }

    [Test]
    public void AtInitOnlyBGetsAGradient()
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("q_proj"), seed: 3);
        using (var scope = NewDisposeScope())
        {
            var input = tensor(Ids.Select(i => (long)i).ToArray(), [1, Ids.Length], ScalarType.Int64);
            model.Forward(input).pow(2).mean().backward();
        }
        foreach (var (path, layer) in adapter.Layers)
        {
            Assert.That(layer.LoraB.grad!.abs().sum().item<float>(), Is.GreaterThan(0f), path);
            Assert.That(layer.LoraA.grad!.abs().sum().item<float>(), Is.EqualTo(0f), path + ": dL/dA = 0 while B = 0");
        }
    }

    [Test]
    public void MergeMatchesTheAdapterAndUnmergeRestoresTheBase()
    {
        using var temp = new LoraPipeline.Tests.Support.TempDirectory();
        using var model = LoadModel(WriteRandomModel(temp.Combine("model")));
        var baseLogits = Logits(model);
        var adapter = LoraInjector.Apply(model, Options(), seed: 3);
        RandomizeB(adapter, 11);
        var adapted = Logits(model);
        Assert.That(MaxAbsDifference(adapted, baseLogits), Is.GreaterThan(1e-2), "B must change the output for this test to mean anything");
        adapter.Merge();
        Assert.That(adapter.IsMerged, Is.True);
        var merged = Logits(model);
        var mergeDifference = MaxAbsDifference(merged, adapted);
        adapter.Unmerge();
        var unmergeDifference = MaxAbsDifference(Logits(model), adapted);
        adapter.Remove();
        var restored = MaxAbsDifference(Logits(model), baseLogits);
        TestContext.Out.WriteLine($"max |logit| difference: merged vs adapter {mergeDifference:E2}; unmerged vs adapter {unmergeDifference:E2}; removed vs base {restored:E2}");
        Assert.That(mergeDifference, Is.LessThanOrEqualTo(1e-5));
        Assert.That(unmergeDifference, Is.LessThanOrEqualTo(1e-5));
        Assert.That(restored, Is.LessThanOrEqualTo(1e-5));
        Assert.That(model.Model.Layers[0].Mlp.GetProjection("down_proj"), Is.InstanceOf<TorchSharp.Modules.Linear>());
        Assert.That(model.named_parameters().Select(p => p.name), Has.None.Contains("lora"));
        Assert.Throws<InvalidOperationException>(() => adapter.Parameters());
    }

    [Test]
    public void InjectingTwiceIsAnError()
    {
        using var model = LoadFixture();
        LoraInjector.Apply(model, Options("q_proj"), seed: 1);
        var error = Assert.Throws<LoraException>(() => LoraInjector.Apply(model, Options("q_proj"), seed: 1))!;
        Assert.That(error.Message, Does.Contain("model.layers.0.self_attn.q_proj already holds a LoRA adapter"));
    }
}
