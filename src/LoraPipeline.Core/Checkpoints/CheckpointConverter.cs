using System.Text.Json.Nodes;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>
/// Convert: checks a model folder's tensors against its config.json, converts floating tensors to the
/// target dtype, re-shards them (at most <c>maxShardBytes</c> per shard, one shard in memory at a time),
/// copies config and tokenizer files, and writes <see cref="ConversionManifest"/>.
/// </summary>
internal static class CheckpointConverter
{
    // A malformed tokenizer file fails here, naming the file and line, rather than later in Prepare.
    private static void CheckTokenizer(string directory)
    {
        foreach (var name in CompanionFiles.Where(n => n.EndsWith(".json", StringComparison.Ordinal)))
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path)) continue;
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new CheckpointException(
                    $"{name}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message}); fix or replace the model's {name} (Prepare tokenizes with it)", e);
            }
        }
    }

    /// <summary>Tokenizer and generation files carried over unchanged when present.</summary>
    public static IReadOnlyList<string> CompanionFiles { get; } =
    [
        "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
        "added_tokens.json", "generation_config.json", "chat_template.jinja", "chat_template.json",
    ];

    /// <summary>Converts <paramref name="inputDirectory"/> into <paramref name="outputDirectory"/>; a cancelled
    /// <paramref name="cancellationToken"/> stops it between tensors (the caller's atomic folder then leaves nothing).</summary>
    public static ConversionManifest Convert(string inputDirectory, string outputDirectory, DType dtype, long maxShardBytes,
        Action<string>? log = null, CancellationToken cancellationToken = default)
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
                var shardName = ShardPlan.FileName(s, shards.Count);
                using var scope = NewDisposeScope();
                var tensors = new List<KeyValuePair<string, Tensor>>();
                foreach (var name in shards[s])
                {
                    cancellationToken.ThrowIfCancellationRequested();
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

        WriteConfig(inputDirectory, outputDirectory, DTypes.TorchDtypeName(dtype.ToScalarType()));
        CopyCompanions(inputDirectory, outputDirectory);
        CheckTokenizer(outputDirectory);

        var manifest = new ConversionManifest
        {
            Source = Path.GetFullPath(inputDirectory),
            Dtype = dtype.ShortName(),
            MaxShardBytes = maxShardBytes,
            Tensors = tensorRecords,
            Files = Directory.EnumerateFiles(outputDirectory)
                .Where(f => Path.GetFileName(f) != ArtifactNames.ConversionManifest)
                .Order(StringComparer.Ordinal)
                .Select(f => new ConversionManifest.FileRecord(Path.GetFileName(f), new FileInfo(f).Length, FileHashing.Sha256File(f)))
                .ToList(),
        };
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ArtifactNames.ConversionManifest),
            JsonSerializer.Serialize(manifest, ConfigJson.Options) + "\n");
        return manifest;
    }

    /// <summary>Groups tensors into shards by their size after conversion (see <see cref="ShardPlan.Group"/>).</summary>
    internal static List<List<string>> PlanShards(IReadOnlyList<string> names, Func<string, SafetensorsEntry> entry, int targetElementSize, long maxShardBytes) =>
        ShardPlan.Group(names, name =>
        {
            var e = entry(name);
            var elements = e.Shape.Aggregate(1L, (a, b) => a * b);
            var elementSize = e.Type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64
                ? targetElementSize
                : (int)(e.ByteLength / Math.Max(1, elements));
            return elements * elementSize;
        }, maxShardBytes);

    /// <summary>Copies <c>config.json</c> with <c>torch_dtype</c> set to <paramref name="torchDtype"/> (for example <c>bfloat16</c>).</summary>
    public static void WriteConfig(string inputDirectory, string outputDirectory, string torchDtype)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(inputDirectory, "config.json")))!.AsObject();
        json["torch_dtype"] = torchDtype;
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, "config.json"),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Copies the <see cref="CompanionFiles"/> present in <paramref name="inputDirectory"/>; returns their names.</summary>
    public static IReadOnlyList<string> CopyCompanions(string inputDirectory, string outputDirectory)
    {
        var copied = new List<string>();
        foreach (var companion in CompanionFiles)
        {
            var source = Path.Combine(inputDirectory, companion);
            if (!File.Exists(source)) continue;
            AtomicFile.WriteAllBytes(Path.Combine(outputDirectory, companion), File.ReadAllBytes(source));
            copied.Add(companion);
        }
        return copied;
    }
}
