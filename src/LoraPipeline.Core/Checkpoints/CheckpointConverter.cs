using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>
/// Convert: checks a model folder's tensors against its config.json, converts floating tensors to the
/// target dtype, re-shards them (at most <c>maxShardBytes</c> per shard, one shard in memory at a time),
/// copies config and tokenizer files, and writes <see cref="ConversionManifest"/>.
/// </summary>
public static class CheckpointConverter
{
    /// <summary>Tokenizer and generation files carried over unchanged when present.</summary>
    public static IReadOnlyList<string> CompanionFiles { get; } =
    [
        "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
        "added_tokens.json", "generation_config.json", "chat_template.jinja", "chat_template.json",
    ];

    /// <summary>Converts <paramref name="inputDirectory"/> into <paramref name="outputDirectory"/>.</summary>
    public static ConversionManifest Convert(string inputDirectory, string outputDirectory, DType dtype, long maxShardBytes,
        Action<string>? log = null)
    {
        var config = ModelConfig.Load(inputDirectory);
        var files = CheckpointLoader.Files(inputDirectory);
        var located = new Dictionary<string, (string File, SafetensorsEntry Entry)>();
        foreach (var file in files)
            foreach (var entry in SafetensorsHeader.Read(file).Entries)
                located[entry.Name] = (file, entry);
        TensorInventory.Check(config, located.ToDictionary(p => p.Key, p => p.Value.Entry.Shape), inputDirectory);

        var target = dtype == DType.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var targetSize = dtype == DType.Bf16 ? 2 : 4;
        // Write in the config's canonical order; tied heads and rotary caches are not carried over.
        var names = TensorInventory.Expected(config).Keys.ToList();
        var shards = PlanShards(names, name => located[name].Entry, targetSize, maxShardBytes);
        Directory.CreateDirectory(outputDirectory);

        var tensorRecords = new List<ConversionManifest.TensorRecord>();
        var weightMap = new Dictionary<string, string>();
        long totalBytes = 0;
        var readers = new Dictionary<string, SafetensorsFile>();
        try
        {
            for (var s = 0; s < shards.Count; s++)
            {
                var shardName = shards.Count == 1 ? CheckpointFormats.SingleFile : $"model-{s + 1:00000}-of-{shards.Count:00000}.safetensors";
                using var scope = NewDisposeScope();
                var tensors = new List<KeyValuePair<string, Tensor>>();
                foreach (var name in shards[s])
                {
                    var (file, entry) = located[name];
                    if (!readers.TryGetValue(file, out var reader)) readers[file] = reader = SafetensorsFile.Open(file);
                    var isFloat = entry.Type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;
                    var tensor = reader.Read(name, isFloat ? target : null);
                    tensors.Add(new(name, tensor));
                    tensorRecords.Add(new(name, entry.Shape, SafetensorsDType.NameOf(tensor.dtype), shardName));
                    weightMap[name] = shardName;
                    totalBytes += tensor.NumberOfElements * tensor.ElementSize;
                }
                SafetensorsWriter.Save(Path.Combine(outputDirectory, shardName), tensors);
                log?.Invoke($"wrote {shardName} ({tensors.Count} tensors)");
            }
        }
        finally
        {
            foreach (var reader in readers.Values) reader.Dispose();
        }
        if (shards.Count > 1)
            new ShardIndex(weightMap, totalBytes).Write(Path.Combine(outputDirectory, CheckpointFormats.IndexFile));

        WriteConfig(inputDirectory, outputDirectory, dtype);
        foreach (var companion in CompanionFiles)
        {
            var source = Path.Combine(inputDirectory, companion);
            if (File.Exists(source)) AtomicFile.WriteAllBytes(Path.Combine(outputDirectory, companion), File.ReadAllBytes(source));
        }

        var manifest = new ConversionManifest
        {
            Source = Path.GetFullPath(inputDirectory),
            Dtype = dtype == DType.Bf16 ? "bf16" : "f32",
            MaxShardBytes = maxShardBytes,
            Tensors = tensorRecords,
            Files = Directory.EnumerateFiles(outputDirectory)
                .Where(f => Path.GetFileName(f) != ConversionManifest.FileName)
                .Order(StringComparer.Ordinal)
                .Select(f => new ConversionManifest.FileRecord(Path.GetFileName(f), new FileInfo(f).Length, FileHashing.Sha256File(f)))
                .ToList(),
        };
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ConversionManifest.FileName),
            JsonSerializer.Serialize(manifest, ConfigJson.Options) + "\n");
        return manifest;
    }

    /// <summary>Groups tensors into shards of at most <paramref name="maxShardBytes"/> (a tensor larger than that gets a shard of its own).</summary>
    internal static List<List<string>> PlanShards(IReadOnlyList<string> names, Func<string, SafetensorsEntry> entry, int targetElementSize, long maxShardBytes)
    {
        var shards = new List<List<string>> { new() };
        long current = 0;
        foreach (var name in names)
        {
            var e = entry(name);
            var elementSize = e.Type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64
                ? targetElementSize
                : (int)(e.ByteLength / Math.Max(1, e.Shape.Aggregate(1L, (a, b) => a * b)));
            var bytes = e.Shape.Aggregate(1L, (a, b) => a * b) * elementSize;
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(name);
            current += bytes;
        }
        return shards;
    }

    private static void WriteConfig(string inputDirectory, string outputDirectory, DType dtype)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(inputDirectory, "config.json")))!.AsObject();
        json["torch_dtype"] = dtype == DType.Bf16 ? "bfloat16" : "float32";
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, "config.json"),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
