using LoraPipeline.Modeling;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Hub;

/// <summary>
/// <c>builtin:tiny-llama</c>: a small Llama-architecture model that the project writes itself as an
/// ordinary Hugging Face folder (config.json, model.safetensors, GPT-2 byte-level BPE tokenizer files),
/// so that every stage runs offline through the same code as a downloaded model. Weights are random
/// from a fixed seed (normal(0, 0.02) as transformers initialises Llama; norms at 1).
/// </summary>
internal static class BuiltinTinyLlama
{
    /// <summary>Name after <c>builtin:</c>.</summary>
    public const string Name = "tiny-llama";

    /// <summary>Seed of the weights.</summary>
    public const int Seed = 20241128;

    /// <summary>GPT-2's vocabulary size (the tokenizer this model uses).</summary>
    public const int VocabSize = 50257;

    /// <summary>GPT-2's <c>&lt;|endoftext|&gt;</c> id, used as bos and eos.</summary>
    public const int EndOfTextId = 50256;

    /// <summary>The model's config.json content.</summary>
    public static JsonObject ConfigJson() => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["hidden_size"] = 128,
        ["intermediate_size"] = 352,
        ["num_hidden_layers"] = 4,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 2,
        ["head_dim"] = 32,
        ["vocab_size"] = VocabSize,
        ["max_position_embeddings"] = 1024,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 10000.0,
        ["rope_scaling"] = null,
        ["tie_word_embeddings"] = true,
        ["attention_bias"] = false,
        ["mlp_bias"] = false,
        ["hidden_act"] = "silu",
        ["initializer_range"] = 0.02,
        ["bos_token_id"] = EndOfTextId,
        ["eos_token_id"] = EndOfTextId,
        ["torch_dtype"] = "float32",
        ["transformers_version"] = "4.46.0",
    };

    /// <summary>Writes the model folder (config, weights, tokenizer files) into <paramref name="directory"/>.</summary>
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var configJson = ConfigJson();
        var config = ModelConfig.FromJson(configJson, "builtin:tiny-llama config.json");
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"),
            configJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, "generation_config.json"),
            $"{{\n  \"bos_token_id\": {EndOfTextId},\n  \"eos_token_id\": {EndOfTextId},\n  \"do_sample\": false\n}}\n");

        using (var scope = NewDisposeScope())
        {
            var generator = new TorchSharp.torch.Generator(Seed);
            var tensors = new List<KeyValuePair<string, Tensor>>();
            foreach (var (name, shape) in TensorInventory.Expected(config))
            {
                var tensor = name.EndsWith("norm.weight", StringComparison.Ordinal)
                    ? ones(shape)
                    : normal(0.0, 0.02, shape, generator: generator);
                tensors.Add(new(name, tensor));
            }
            SafetensorsWriter.Save(Path.Combine(directory, CheckpointFormats.SingleFile), tensors);
        }
        Tokenization.Gpt2TokenizerFiles.Write(directory);
    }
}
