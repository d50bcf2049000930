using System.Text.Json.Nodes;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Quantization;
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
    /// <paramref name="cancellationToken"/> stops it between tensors (the caller's atomic folder then leaves nothing).
    /// With <paramref name="quantization"/> <c>nf4</c> every decoder projection weight is stored 4-bit in bitsandbytes'
    /// layout (quantized from its value in <paramref name="dtype"/>, as transformers quantizes a model loaded in that
    /// dtype) and <c>config.json</c> gets transformers' <c>quantization_config</c>; a 4-bit input is copied as stored
    /// (never re-quantized) or, with <c>none</c>, dequantized to <paramref name="dtype"/>.</summary>
    public static ConversionManifest Convert(string inputDirectory, string outputDirectory, DType dtype, long maxShardBytes,
        Action<string>? log = null, CancellationToken cancellationToken = default, WeightQuantization quantization = WeightQuantization.None)
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
        var fourBit = ModelQuantizer.FourBitWeights(config, located.Keys);
        var inputQuantized = config.Quantization is not null;
        var quantize = quantization == WeightQuantization.Nf4;
        // Write in the config's canonical order; tied heads and rotary caches are not carried over.
        var expectedShapes = TensorInventory.Expected(config);
        var keptFullPrecision = inputQuantized ? expectedShapes.Keys.Count(n => ModelQuantizer.IsProjectionWeight(n) && !fourBit.Contains(n)) : 0;
        if (inputQuantized)
            log?.Invoke((quantize ? "the input is 4-bit NF4: its quantized weights are copied as stored"
                : $"the input is 4-bit NF4: dequantizing its linear weights to {dtype.ShortName()}") +
                (keptFullPrecision > 0 ? $" ({keptFullPrecision} decoder projection(s) it keeps in full precision stay so)" : "") +
                (quantize ? "" : "; to keep them 4-bit (QLoRA), set model.quantization: nf4 (lora convert --quantize nf4)"));
        // A 4-bit input keeps its choice of weights; a full-precision one gets every decoder projection quantized.
        bool WritesFourBit(string name) => quantize && (inputQuantized ? fourBit.Contains(name) : ModelQuantizer.IsProjectionWeight(name));
        var names = expectedShapes.Keys.ToList();
        var shards = ShardPlan.Group(names, name =>
        {
            var elements = expectedShapes[name].Aggregate(1L, (a, b) => a * b);
            return WritesFourBit(name) ? Nf4Weight.StoredBytes(elements) : elements * ElementSize(located, name, targetSize);
        }, maxShardBytes);
        Directory.CreateDirectory(outputDirectory);

        var tensorRecords = new List<ConversionManifest.TensorRecord>();
        var weightMap = new Dictionary<string, string>();
        long totalBytes = 0;
        using var checkpoint = new CheckpointTensors(name => located.TryGetValue(name, out var at) ? at.File : null);
        Tensor? ReadStored(string name) => checkpoint.Read(name);
        for (var s = 0; s < shards.Count; s++)
        {
            var shardName = ShardPlan.FileName(s, shards.Count);
            using var scope = NewDisposeScope();
            var tensors = new List<KeyValuePair<string, Tensor>>();
            foreach (var name in shards[s])
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<KeyValuePair<string, Tensor>> produced;
                if (fourBit.Contains(name))
                {
                    var stored = Nf4Serialization.Read(name, ReadStored, located[name].File);
                    produced = quantize ? Nf4Serialization.StateDict(name, stored) : [new(name, stored.Dequantize(target))];
                }
                else if (WritesFourBit(name))
                {
                    using var weight = ReadStored(name)!.to(target);
                    produced = Nf4Serialization.StateDict(name, Nf4Weight.Quantize(weight));
                }
                else
                {
                    var entry = located[name].Entry;
                    var isFloat = entry.Type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;
                    var tensor = ReadStored(name)!;
                    produced = [new(name, isFloat && tensor.dtype != target ? tensor.to(target) : tensor)];
                }
                foreach (var (key, tensor) in produced)
                {
                    tensors.Add(new(key, tensor));
                    tensorRecords.Add(new(key, tensor.shape, SafetensorsDType.NameOf(tensor.dtype), shardName));
                    weightMap[key] = shardName;
                    totalBytes += tensor.NumberOfElements * tensor.ElementSize;
                }
            }
            SafetensorsWriter.Save(Path.Combine(outputDirectory, shardName), tensors);
            log?.Invoke($"wrote {shardName} ({tensors.Count} tensors)");
        }
        if (shards.Count > 1)
            new ShardIndex(weightMap, totalBytes).Write(Path.Combine(outputDirectory, CheckpointFormats.IndexFile));

        WriteConfig(inputDirectory, outputDirectory, DTypes.TorchDtypeName(dtype.ToScalarType()),
            !quantize ? null
            : config.Quantization is { } kept ? kept with { ComputeDtype = DTypes.TorchDtypeName(dtype.ToScalarType()) }
            : new BitsAndBytesConfig(DoubleQuant: true, DTypes.TorchDtypeName(dtype.ToScalarType())));
        CopyCompanions(inputDirectory, outputDirectory);
        CheckTokenizer(outputDirectory);

        var manifest = new ConversionManifest
        {
            Source = Path.GetFullPath(inputDirectory),
            Dtype = dtype.ShortName(),
            Quantization = ConfigNaming.EnumName(quantization),
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

    private static long ElementSize(IReadOnlyDictionary<string, (string File, SafetensorsEntry Entry)> located, string name, int targetSize)
    {
        var e = located[name].Entry;
        var elements = Math.Max(1, e.Shape.Aggregate(1L, (a, b) => a * b));
        return e.Type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64 || ModelQuantizer.IsProjectionWeight(name)
            ? targetSize
            : e.ByteLength / elements;
    }

    /// <summary>
    /// Copies <c>config.json</c> with <c>dtype</c> and <c>torch_dtype</c> set to <paramref name="torchDtype"/> (for example <c>bfloat16</c>)
    /// and <c>quantization_config</c> set to <paramref name="quantization"/> or removed when that is null (a full-precision output).
    /// </summary>
    public static void WriteConfig(string inputDirectory, string outputDirectory, string torchDtype, BitsAndBytesConfig? quantization = null)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(inputDirectory, "config.json")))!.AsObject();
        // Both names, equal: current transformers reads dtype, older releases and other tools torch_dtype.
        json["torch_dtype"] = torchDtype;
        json["dtype"] = torchDtype;
        json.Remove(BitsAndBytesConfig.Key);
        if (quantization is not null) json[BitsAndBytesConfig.Key] = quantization.ToJson();
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
