using LoraPipeline.Modeling;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Tests.Checkpoints;

public class ModelConfigTests
{
    private static JsonObject Llama() => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["hidden_size"] = 64, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2,
        ["intermediate_size"] = 128, ["vocab_size"] = 100, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 500000.0,
        ["max_position_embeddings"] = 256, ["tie_word_embeddings"] = false, ["bos_token_id"] = 1, ["eos_token_id"] = new JsonArray(2, 3),
    };

    [Test]
    public void ReadsLlamaWithGqaAndEosList()
    {
        var config = ModelConfig.FromJson(Llama(), "config.json");
        Assert.Multiple(() =>
        {
            Assert.That(config.Architecture, Is.EqualTo(ModelArchitecture.Llama));
            Assert.That(config.HeadDim, Is.EqualTo(16));
            Assert.That(config.NumKeyValueHeads, Is.EqualTo(2));
            Assert.That(config.EosTokenIds, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(config.QkvBias, Is.False);
            Assert.That(config.RopeScaling, Is.Null);
        });
    }

    [Test]
    public void ParameterCountMatchesTheInventoryShapes()
    {
        var config = ModelConfig.FromJson(Llama(), "config.json");
        var fromShapes = TensorInventory.Expected(config).Values.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.That(config.ParameterCount(), Is.EqualTo(fromShapes));
        // Hand count: embed 6400 + head 6400 + norm 64 + 2 x (q 4096 + k 2048 + v 2048 + o 4096 + mlp 3x8192 + norms 128).
        Assert.That(fromShapes, Is.EqualTo(6400 + 6400 + 64 + 2 * (4096 + 2048 + 2048 + 4096 + 3 * 8192 + 128)));
    }

    [Test]
    public void ReadsLlama3RopeScaling()
    {
        var json = Llama();
        json["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192 };
        Assert.That(ModelConfig.FromJson(json, "c.json").RopeScaling, Is.EqualTo(new Llama3RopeScaling(8, 1, 4, 8192)));
    }

    [Test]
    public void RefusesOtherRopeScalingsAndArchitecturesNamingTheKey()
    {
        var json = Llama();
        json["rope_scaling"] = new JsonObject { ["type"] = "yarn", ["factor"] = 4.0 };
        Assert.That(() => ModelConfig.FromJson(json, "c.json"), Throws.TypeOf<CheckpointException>().With.Message.Contains("rope_scaling.rope_type: 'yarn' is not supported"));
        var gpt = Llama();
        gpt["architectures"] = new JsonArray("GPT2LMHeadModel");
        Assert.That(() => ModelConfig.FromJson(gpt, "c.json"), Throws.TypeOf<CheckpointException>().With.Message.Contains("'GPT2LMHeadModel' is not supported"));
        var missing = Llama();
        missing.Remove("hidden_size");
        Assert.That(() => ModelConfig.FromJson(missing, "c.json"), Throws.TypeOf<CheckpointException>().With.Message.EqualTo("c.json: hidden_size: missing (an integer is required)"));
    }

    [Test]
    public void Qwen2HasQkvBiasesAndMistralReads()
    {
        var qwen = Llama();
        qwen["architectures"] = new JsonArray("Qwen2ForCausalLM");
        var config = ModelConfig.FromJson(qwen, "c.json");
        Assert.That(config.QkvBias, Is.True);
        Assert.That(config.OutputBias, Is.False);
        Assert.That(TensorInventory.Expected(config).Keys, Does.Contain("model.layers.1.self_attn.k_proj.bias"));
        var mistral = Llama();
        mistral["architectures"] = new JsonArray("MistralForCausalLM");
        Assert.That(ModelConfig.FromJson(mistral, "c.json").Architecture, Is.EqualTo(ModelArchitecture.Mistral));
    }

    [Test]
    public void InventoryCheckNamesMissingExtraAndMisshapedTensors()
    {
        var config = ModelConfig.FromJson(Llama(), "config.json");
        var actual = TensorInventory.Expected(config).ToDictionary(p => p.Key, p => p.Value);
        Assert.DoesNotThrow(() => TensorInventory.Check(config, actual, "model"));
        actual.Remove("model.layers.1.mlp.up_proj.weight");
        actual["model.layers.0.self_attn.k_proj.weight"] = [64, 64];
        actual["model.layers.2.mlp.up_proj.weight"] = [128, 64];
        actual["model.layers.0.self_attn.rotary_emb.inv_freq"] = [8];
        var e = Assert.Throws<CheckpointException>(() => TensorInventory.Check(config, actual, "/m"))!;
        Assert.That(e.Message, Does.StartWith("/m: the checkpoint does not match config.json"));
        Assert.That(e.Message, Does.Contain("missing tensor 'model.layers.1.mlp.up_proj.weight' [128, 64]"));
        Assert.That(e.Message, Does.Contain("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 64], config.json implies [32, 64]"));
        Assert.That(e.Message, Does.Contain("unexpected tensor 'model.layers.2.mlp.up_proj.weight'"));
        Assert.That(e.Message, Does.Not.Contain("inv_freq"));
    }
}
