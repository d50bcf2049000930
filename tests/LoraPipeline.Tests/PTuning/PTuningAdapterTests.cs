using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.PTuning;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tests.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.PTuning;

/// <summary>
/// Issue 17 point 3: P-tuning adapters on a tiny random Llama (hidden 32, 2 layers): the prompt encoder's parameters and
/// the PEFT folder it exports (fields and keys written by hand from peft's PromptEncoderConfig / get_peft_model_state_dict),
/// reloading with identical logits, the virtual tokens through padding and the KV cache, and the merge refusal.
/// </summary>
public class PTuningAdapterTests
{
    private static readonly int[] Ids = [5, 17, 42, 8, 61, 3, 29];

    private static LlamaForCausalLM Model() => LlamaForCausalLM.CreateRandom(TinyTraining.Config(layers: 2), seed: 3, ScalarType.Float32, CPU);

    private static PeftOptions Options(PromptEncoderType type = PromptEncoderType.Mlp, int tokens = 5, int? hidden = 16, int layers = 2, double dropout = 0) =>
        new() { Scheme = PeftScheme.Ptuning, NumVirtualTokens = tokens, EncoderReparameterizationType = type, EncoderHiddenSize = hidden, EncoderNumLayers = layers, EncoderDropout = dropout };

    private static Tensor Logits(LlamaForCausalLM model, int[] ids)
    {
        model.eval();
        using var noGrad = no_grad();
        return model.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64, CPU));
    }

    [Test]
    public void TheMlpEncoderHasPeftsModulesAndShapes()
    {
        using var model = Model();
        var adapter = PTuningAdapter.Install(model, Options(), seed: 1);
        var shapes = adapter.NamedParameters().Select(p => $"{p.Key} [{string.Join(", ", p.Value.shape)}]").ToList();
        // PEFT's PromptEncoder (MLP): embedding [N, token_dim]; mlp_head = Linear(token_dim, h), ReLU, Linear(h, h), ReLU, Linear(h, token_dim).
        Assert.That(shapes, Is.EqualTo(new[]
        {
            "embedding.weight [5, 32]", "mlp_head.0.weight [16, 32]", "mlp_head.0.bias [16]", "mlp_head.2.weight [16, 16]", "mlp_head.2.bias [16]",
            "mlp_head.4.weight [32, 16]", "mlp_head.4.bias [32]",
        }));
        Assert.That(adapter.TrainableParameterCount, Is.EqualTo(5 * 32 + 16 * 32 + 16 + 16 * 16 + 16 + 32 * 16 + 32));
        Assert.That(adapter.NamedParameters().All(p => p.Value.requires_grad && p.Value.dtype == ScalarType.Float32));
        Assert.That(model.parameters().Any(p => p.requires_grad), Is.False, "the base stays frozen");
    }

    [Test]
    public void TheLstmEncoderIsABidirectionalLstmUnderATwoLayerMlp()
    {
        using var model = Model();
        var adapter = PTuningAdapter.Install(model, Options(PromptEncoderType.Lstm, layers: 2, dropout: 0.1), seed: 1);
        var shapes = adapter.NamedParameters().ToDictionary(p => p.Key, p => $"[{string.Join(", ", p.Value.shape)}]");
        // torch.nn.LSTM(token_dim, h, num_layers=2, bidirectional=True, batch_first=True): 4 gates of h per direction; layer 1 reads 2h.
        Assert.That(shapes["embedding.weight"], Is.EqualTo("[5, 32]"));
        Assert.That(shapes["lstm_head.weight_ih_l0"], Is.EqualTo("[64, 32]"));
        Assert.That(shapes["lstm_head.weight_hh_l0"], Is.EqualTo("[64, 16]"));
        Assert.That(shapes["lstm_head.weight_ih_l0_reverse"], Is.EqualTo("[64, 32]"));
        Assert.That(shapes["lstm_head.weight_ih_l1"], Is.EqualTo("[64, 32]"));
        Assert.That(shapes["lstm_head.bias_hh_l1_reverse"], Is.EqualTo("[64]"));
        Assert.That(shapes["mlp_head.0.weight"], Is.EqualTo("[32, 32]"));
        Assert.That(shapes["mlp_head.2.weight"], Is.EqualTo("[32, 32]"));
        Assert.That(shapes.Keys.Where(k => k.StartsWith("mlp_head.", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "mlp_head.0.weight", "mlp_head.0.bias", "mlp_head.2.weight", "mlp_head.2.bias" }));
        using var noGrad = no_grad();
        model.eval();
        Assert.That(adapter.Embeddings().shape, Is.EqualTo(new long[] { 5, 32 }));
    }

    [Test]
    public void TheExportedFolderHoldsPeftsPTuningConfigAndOnlyThePromptEmbeddings()
    {
        using var temp = new TempDirectory("ptuning-format");
        using var model = Model();
        var adapter = PTuningAdapter.Install(model, Options(), seed: 1);
        var folder = temp.Combine("adapter");
        adapter.Save(folder, "org/base", "0123abcd");

        // Every field of peft's PromptEncoderConfig (PeftConfigMixin + PeftConfig + PromptLearningConfig + its own), as
        // save_pretrained writes it: sorted keys, inference_mode true, the model's shape filled in.
        var text = File.ReadAllText(Path.Combine(folder, "adapter_config.json"));
        var config = JsonNode.Parse(text)!.AsObject();
        var expected = new JsonObject
        {
            ["auto_mapping"] = null, ["base_model_name_or_path"] = "org/base", ["encoder_dropout"] = 0.0, ["encoder_hidden_size"] = 16,
            ["encoder_num_layers"] = 2, ["encoder_reparameterization_type"] = "MLP", ["inference_mode"] = true, ["modules_to_save"] = null,
            ["num_attention_heads"] = 4, ["num_layers"] = 2, ["num_transformer_submodules"] = 1, ["num_virtual_tokens"] = 5,
            ["peft_type"] = "P_TUNING", ["revision"] = "0123abcd", ["task_type"] = "CAUSAL_LM", ["token_dim"] = 32,
        };
        Assert.That(config.Select(p => p.Key), Is.EqualTo(expected.Select(p => p.Key)), "the same fields, sorted");
        foreach (var (key, value) in expected)
            Assert.That(JsonNode.DeepEquals(config[key], value), Is.True, $"{key}: {config[key]?.ToJsonString() ?? "null"}, expected {value?.ToJsonString() ?? "null"}");
        Assert.That(text, Does.StartWith("{\n  \"auto_mapping\": null,"), "indent 2");

        // get_peft_model_state_dict of a trained prompt encoder: {"prompt_embeddings": encoder(arange(N))}, float32 [N, token_dim].
        using var file = SafetensorsFile.Open(Path.Combine(folder, "adapter_model.safetensors"));
        Assert.That(file.Names, Is.EqualTo(new[] { "prompt_embeddings" }));
        Assert.That(file.Entry("prompt_embeddings").Shape, Is.EqualTo(new long[] { 5, 32 }));
        Assert.That(file.Entry("prompt_embeddings").DType, Is.EqualTo("F32"));
        Assert.That(file.Header.Metadata, Does.ContainKey("format").WithValue("pt"));
        using var noGrad = no_grad();
        model.eval();
        Assert.That(file.Read("prompt_embeddings").eq(adapter.Embeddings()).all().item<bool>(), Is.True, "the encoder's output, not its weights");
    }

    [Test]
    public void TheReloadedAdapterGivesBitwiseIdenticalLogitsAndTheyDifferFromTheBase()
    {
        using var temp = new TempDirectory("ptuning-reload");
        using var trained = Model();
        var adapter = PTuningAdapter.Install(trained, Options(), seed: 1);
        var folder = temp.Combine("adapter");
        adapter.Save(folder, "base", null);
        using var expected = Logits(trained, Ids);

        using var reloaded = Model();
        using var baseLogits = Logits(reloaded, Ids);
        var loaded = LoadedAdapter.Apply(reloaded, folder);
        Assert.That(loaded.Prompt, Is.Not.Null);
        Assert.That(loaded.Lora, Is.Null);
        Assert.That(loaded.Description, Is.EqualTo("P-tuning, 5 virtual tokens"));
        using var actual = Logits(reloaded, Ids);
        Assert.That(actual.shape, Is.EqualTo(new long[] { 1, Ids.Length, 97 }), "logits for the caller's positions only");
        Assert.That(actual.eq(expected).all().item<bool>(), Is.True, $"bitwise; max |diff| {(actual - expected).abs().max().item<float>():E2}");
        Assert.That((actual - baseLogits).abs().max().item<float>(), Is.GreaterThan(1e-3f), "the virtual tokens change the logits");
        loaded.Prompt!.Remove();
        using var removed = Logits(reloaded, Ids);
        Assert.That(removed.eq(baseLogits).all().item<bool>(), Is.True, "removing the adapter gives the base back");
    }

    [Test]
    public void VirtualTokensAreThePrefixOfTheSequenceThroughPaddingAndTheKvCache()
    {
        using var model = Model();
        var adapter = PTuningAdapter.Install(model, Options(tokens: 3), seed: 2);
        model.eval();
        using var noGrad = no_grad();
        // The same as running the decoder over [virtual embeddings; token embeddings] with no prefix installed.
        using var prefixed = Logits(model, Ids);
        using var embeddings = adapter.Embeddings().clone();
        adapter.Remove();
        using var explicitSequence = ExplicitPrefixLogits(model, embeddings, Ids);
        Assert.That((prefixed - explicitSequence).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-5f));
        model.Model.VirtualTokens = adapter;

        // A right-padded row of a batch and a left-padded prompt give the unpadded logits / tokens.
        var shortIds = Ids.Take(4).ToArray();
        using var alone = Logits(model, shortIds);
        using var batch = tensor(new long[] { 5, 17, 42, 8, 0, 0, 0, 61, 3, 29, 11, 12, 13, 14 }, [2, 7], ScalarType.Int64, CPU);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 }, [2, 7], ScalarType.Int64, CPU);
        using var padded = model.Forward(batch, mask);
        Assert.That((padded[0].narrow(0, 0, 4) - alone[0]).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-5f));

        var cached = TokenGenerator.Generate(model, [shortIds, Ids], SamplingOptions.GreedyDecoding(6));
        var recomputed = TokenGenerator.Generate(model, [shortIds, Ids], SamplingOptions.GreedyDecoding(6) with { UseCache = false });
        var single = TokenGenerator.Generate(model, [shortIds], SamplingOptions.GreedyDecoding(6));
        Assert.That(cached, Is.EqualTo(recomputed), "the cache holds the virtual tokens");
        Assert.That(cached[0], Is.EqualTo(single[0]), "left padding changes nothing");
    }

    // The network run by hand over explicit input embeddings, from the decoder's public pieces: no VirtualTokens involved.
    private static Tensor ExplicitPrefixLogits(LlamaForCausalLM model, Tensor prefix, int[] ids)
    {
        var table = model.Model.EmbedTokens.weight!;
        var tokens = table.index_select(0, tensor(ids.Select(i => (long)i).ToArray(), ScalarType.Int64));
        var hidden = cat([prefix, tokens], 0).unsqueeze(0);
        var n = hidden.shape[1];
        var positions = arange(n, dtype: ScalarType.Int64).unsqueeze(0);
        var (cos, sin) = model.Model.Rotary.Angles(positions, hidden.dtype);
        foreach (var layer in model.Model.Layers) hidden = layer.Forward(hidden, cos, sin, null, true, null, false, null);
        var norm = (RmsNorm)model.Model.named_children().Single(c => c.name == "norm").module;
        var logits = nn.functional.linear(norm.Forward(hidden), model.LmHeadWeight);
        return logits.narrow(1, prefix.shape[0], ids.Length);
    }

    [Test]
    public void MergingAPTuningAdapterIsRefusedWithOneClearMessage()
    {
        using var temp = new TempDirectory("ptuning-merge");
        using var model = Model();
        PTuningAdapter.Install(model, Options(), seed: 1).Save(temp.Combine("adapter"), "base", null);
        var error = Assert.Throws<LoraException>(() =>
            MergedCheckpointWriter.Write(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "models", "llama_gqa"), temp.Combine("adapter"), temp.Combine("merged")))!;
        Assert.That(error.Message, Does.Contain("peft_type is P_TUNING").And.Contain("nothing to merge").And.Contain(Path.Combine(temp.Combine("adapter"), "adapter_config.json")));
        Assert.That(Directory.Exists(temp.Combine("merged")), Is.False);
    }

    [Test]
    public void AnAdapterForAnotherHiddenSizeOrWithOtherWeightsIsRefusedNamingTheFile()
    {
        using var temp = new TempDirectory("ptuning-refusals");
        using var model = Model();
        var folder = temp.Combine("adapter");
        PTuningAdapter.Install(model, Options(), seed: 1).Save(folder, "base", null);
        using var other = LlamaForCausalLM.CreateRandom(ModelConfigs.Llama(hidden: 48, layers: 1, heads: 4, kvHeads: 2, intermediate: 64, vocab: 97, maxPositions: 128), 3, ScalarType.Float32, CPU);
        Assert.That(Assert.Throws<LoraException>(() => LoadedAdapter.Apply(other, folder))!.Message,
            Does.Contain("token_dim is 32 but the model's hidden size is 48"));

        var config = Path.Combine(folder, "adapter_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"num_virtual_tokens\": 5", "\"num_virtual_tokens\": 6"));
        using var fresh = Model();
        Assert.That(Assert.Throws<LoraException>(() => LoadedAdapter.Apply(fresh, folder))!.Message,
            Does.Contain("'prompt_embeddings' is [5, 32]").And.Contain("num_virtual_tokens = 6"));
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"CAUSAL_LM\"", "\"SEQ_2_SEQ_LM\""));
        Assert.That(Assert.Throws<LoraException>(() => LoadedAdapter.Apply(fresh, folder))!.Message,
            Does.Contain("task_type is 'SEQ_2_SEQ_LM'"));
        Assert.That(fresh.Model.VirtualTokens, Is.Null, "a refused adapter leaves the model alone");
    }
}
