using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;
using TorchSharp;

namespace LoraPipeline.Tests.Support;

/// <summary>Generated model repositories for <see cref="FakeHub"/>: real safetensors shards written with <see cref="SafetensorsWriter"/>.</summary>
public static class FakeHubModels
{
    public const string Shard1 = "model-00001-of-00002.safetensors";
    public const string Shard2 = "model-00002-of-00002.safetensors";

    /// <summary>Tensor name → (shard, shape, float values exactly representable in bf16).</summary>
    public static IReadOnlyDictionary<string, (string Shard, long[] Shape, float[] Values)> ShardedTensors { get; } = BuildTensors();

    /// <summary>
    /// A small sharded BF16 Llama repo: config.json, generation_config.json, two safetensors shards and their index,
    /// tokenizer files, a README.md model card without front matter, plus files a download must skip: pytorch_model.bin,
    /// consolidated.safetensors (not in the index), .gitattributes and original/params.json.
    /// </summary>
    public static FakeHubRepo AddShardedBf16Model(FakeHub hub, string repoId)
    {
        var repo = hub.AddRepo(repoId);
        AddConfigAndTokenizer(repo);
        using var temp = new TempDirectory("fakehub-model");
        foreach (var shard in new[] { Shard1, Shard2 })
        {
            var tensors = ShardedTensors.Where(t => t.Value.Shard == shard)
                .Select(t => KeyValuePair.Create(t.Key, torch.tensor(t.Value.Values, t.Value.Shape).to(torch.bfloat16)))
                .ToList();
            var path = temp.Combine(shard);
            SafetensorsWriter.Save(path, tensors);
            foreach (var (_, tensor) in tensors) tensor.Dispose();
            repo.AddFile(shard, File.ReadAllBytes(path));
        }
        var index = new ShardIndex(ShardedTensors.ToDictionary(t => t.Key, t => t.Value.Shard),
            ShardedTensors.Values.Sum(t => t.Values.LongLength * 2));
        index.Write(temp.Combine(CheckpointFormats.IndexFile));
        repo.AddFile(CheckpointFormats.IndexFile, File.ReadAllBytes(temp.Combine(CheckpointFormats.IndexFile)));
        repo.AddFile("pytorch_model.bin", Bytes(4096, 7));
        repo.AddFile("consolidated.safetensors", Bytes(2048, 9));
        repo.AddText("README.md", "# test model\n");
        repo.AddText(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n");
        repo.AddText("original/params.json", "{\"dim\": 64}\n");
        return repo;
    }

    /// <summary>
    /// The built-in tiny Llama (<see cref="LoraPipeline.Hub.BuiltinTinyLlama"/>) as a Hub repo: its config, weights and
    /// real GPT-2 byte-level BPE tokenizer files, so every stage from Download to Publish runs on an <c>hf:</c> source.
    /// </summary>
    public static FakeHubRepo AddTinyLlama(FakeHub hub, string repoId)
    {
        var repo = hub.AddRepo(repoId);
        using var temp = new TempDirectory("fakehub-tiny");
        LoraPipeline.Hub.BuiltinTinyLlama.Write(temp.Path);
        foreach (var file in Directory.GetFiles(temp.Path))
            repo.AddFile(Path.GetFileName(file), File.ReadAllBytes(file));
        repo.AddText("README.md", "---\nlicense: mit\ntags:\n  - tiny\n---\n# tiny llama\n");
        return repo;
    }

    /// <summary>A repo with only pickled weights.</summary>
    public static FakeHubRepo AddPickleOnlyModel(FakeHub hub, string repoId)
    {
        var repo = hub.AddRepo(repoId);
        AddConfigAndTokenizer(repo);
        repo.AddFile("pytorch_model.bin", Bytes(4096, 3));
        return repo;
    }

    /// <summary>The files a model download is expected to fetch from <see cref="AddShardedBf16Model"/>.</summary>
    public static string[] ExpectedDownload { get; } =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        CheckpointFormats.IndexFile, Shard1, Shard2, "README.md",
    ];

    private static void AddConfigAndTokenizer(FakeHubRepo repo)
    {
        repo.AddText("config.json", ConfigText);
        repo.AddText("generation_config.json", """{"bos_token_id": 1, "eos_token_id": 2}""");
        repo.AddText("tokenizer.json", """{"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}}""");
        repo.AddText("tokenizer_config.json", """{"bos_token": "<s>", "eos_token": "</s>"}""");
        repo.AddText("special_tokens_map.json", """{"bos_token": "<s>", "eos_token": "</s>"}""");
    }

    private const string ConfigText = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
         "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1, "vocab_size": 512,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 256, "torch_dtype": "bfloat16",
         "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false}
        """;

    private static Dictionary<string, (string, long[], float[])> BuildTensors()
    {
        // Multiples of 1/4 below 64 are exact in bf16 (8 significant bits).
        static float[] Values(int count, int seed) => Enumerable.Range(0, count).Select(i => ((i * 7 + seed) % 255 - 127) / 4f).ToArray();
        // Every tensor the config implies, the embedding and first layer's attention in shard 1, the rest in shard 2.
        var config = ModelConfig.FromJson((System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(ConfigText)!, "fake config.json");
        var result = new Dictionary<string, (string, long[], float[])>();
        var seed = 0;
        foreach (var (name, shape) in TensorInventory.Expected(config))
        {
            var shard = name.StartsWith("model.embed_tokens", StringComparison.Ordinal) || name.Contains(".self_attn.", StringComparison.Ordinal) ? Shard1 : Shard2;
            result[name] = (shard, shape, Values((int)shape.Aggregate(1L, (a, b) => a * b), ++seed));
        }
        return result;
    }

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
