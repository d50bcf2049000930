using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Modeling;

/// <summary>The loader checks the checkpoint against config.json and names every problem.</summary>
public class ModelLoaderTests
{
    private static TempDirectory CopyOf(string name)
    {
        var temp = new TempDirectory("lora-model");
        foreach (var file in Directory.GetFiles(ModelGolden.Directory(name)))
            File.Copy(file, temp.Combine(Path.GetFileName(file)));
        return temp;
    }

    private static void Rewrite(string folder, Action<Dictionary<string, Tensor>> change)
    {
        var file = Path.Combine(folder, "model.safetensors");
        var tensors = CheckpointLoader.LoadStateDict(folder);
        change(tensors);
        SafetensorsWriter.Save(file, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Test]
    public void ParameterNamesAreTheHuggingFaceNames()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory("qwen2"), ScalarType.Float32, CPU);
        var names = ModelLoader.ExpectedShapes(model).Keys.ToList();
        Assert.That(names, Does.Contain("model.embed_tokens.weight"));
        Assert.That(names, Does.Contain("model.layers.1.self_attn.q_proj.bias"));
        Assert.That(names, Does.Contain("model.layers.0.post_attention_layernorm.weight"));
        Assert.That(names, Does.Contain("model.norm.weight"));
        Assert.That(names, Does.Not.Contain("lm_head.weight"), "tied");
        Assert.That(names, Does.Not.Contain("model.layers.0.self_attn.o_proj.bias"), "Qwen2 has no o_proj bias");
        Assert.That(model.Device.type, Is.EqualTo(TorchSharp.DeviceType.CPU));
        Assert.That(model.parameters().All(p => p.device_type == TorchSharp.DeviceType.CPU && !p.requires_grad));
    }

    [Test]
    public void MissingTensorIsNamed()
    {
        using var temp = CopyOf("llama_gqa");
        Rewrite(temp.Path, t => { t["model.layers.1.mlp.up_proj.weight"].Dispose(); t.Remove("model.layers.1.mlp.up_proj.weight"); });
        var error = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(temp.Path, ScalarType.Float32, CPU))!;
        Assert.That(error.Message, Does.Contain("missing tensor 'model.layers.1.mlp.up_proj.weight'"));
        Assert.That(error.Message, Does.Contain(temp.Path));
    }

    [Test]
    public void MisShapedAndUnexpectedTensorsAreNamedWithTheirFile()
    {
        using var temp = CopyOf("llama_gqa");
        Rewrite(temp.Path, t =>
        {
            t["model.layers.0.self_attn.k_proj.weight"].Dispose();
            t["model.layers.0.self_attn.k_proj.weight"] = zeros(16, 64);
            t["model.layers.0.self_attn.extra.weight"] = zeros(2);
        });
        var error = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(temp.Path, ScalarType.Float32, CPU))!;
        Assert.That(error.Message, Does.Contain("'model.layers.0.self_attn.k_proj.weight' in " + Path.Combine(temp.Path, "model.safetensors") + " has shape [16, 64], config.json implies [32, 64]"));
        Assert.That(error.Message, Does.Contain("unexpected tensor 'model.layers.0.self_attn.extra.weight'"));
    }

    [Test]
    public void ConfigThatDisagreesWithTheWeightsIsRefused()
    {
        using var temp = CopyOf("llama_gqa");
        var config = JsonNode.Parse(File.ReadAllText(temp.Combine("config.json")))!.AsObject();
        config["num_key_value_heads"] = 4;
        File.WriteAllText(temp.Combine("config.json"), config.ToJsonString());
        var error = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(temp.Path, ScalarType.Float32, CPU))!;
        Assert.That(error.Message, Does.Contain("model.layers.0.self_attn.v_proj.weight"));
    }

    [Test]
    public void ProjectionsCanBeReplacedByName()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory("llama_gqa"), ScalarType.Float32, CPU);
        var golden = ModelGolden.Load("llama_gqa");
        var attention = model.Model.Layers[0].SelfAttention;
        var original = attention.GetProjection("v_proj");
        var doubled = new Scaled(original, 2.0);
        attention.SetProjection("v_proj", doubled);
        Assert.That(model.named_modules().Select(m => m.name), Does.Contain("model.layers.0.self_attn.v_proj.inner"));
        Assert.That(golden.MaxAbsDifference(ModelRunner.Logits(model, golden.InputIds)), Is.GreaterThan(1e-2));
        attention.SetProjection("v_proj", original);
        Assert.That(golden.MaxAbsDifference(ModelRunner.Logits(model, golden.InputIds)), Is.LessThan(1e-4));
        Assert.Throws<ArgumentException>(() => attention.SetProjection("gate_proj", original));
    }

    private sealed class Scaled : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner;
        private readonly double _factor;

        public Scaled(nn.Module<Tensor, Tensor> inner, double factor) : base("Scaled")
        {
            this.inner = inner;
            _factor = factor;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => inner.call(input) * _factor;
    }
}
