using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Lora;

/// <summary>
/// Bakes a PEFT adapter into its base model and writes a plain Hugging Face checkpoint: <c>config.json</c> (with
/// <c>torch_dtype</c>), <c>model.safetensors</c> or shards plus <c>model.safetensors.index.json</c> under the
/// standard tensor names (no LoRA keys), and the base folder's tokenizer files. A 4-bit (NF4) base is dequantized
/// and merged in full precision; its <c>quantization_config</c> is dropped.
/// </summary>
internal static class MergedCheckpointWriter
{
    /// <summary>Default largest shard, as transformers' <c>max_shard_size="5GB"</c>.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>Why a P-tuning adapter in <paramref name="adapterDirectory"/> cannot be merged (one line, for every merge path).</summary>
    public static string MergeRefusal(string adapterDirectory) =>
        $"{Path.Combine(adapterDirectory, ArtifactNames.AdapterConfig)}: peft_type is P_TUNING, a prompt-learning adapter: its virtual tokens " +
        "are extra inputs, not changes to the base weights, so there is nothing to merge; serve the base model with the adapter " +
        "(lora generate --adapter, or PEFT's PeftModel.from_pretrained)";

    /// <summary>
    /// Loads <paramref name="modelDirectory"/> in <paramref name="dtype"/> (default: the base's <c>torch_dtype</c>,
    /// float32 when absent), applies the adapter in <paramref name="adapterDirectory"/>, merges it (each weight
    /// updated in float32 and rounded once) and writes the result to <paramref name="outputDirectory"/> atomically
    /// (a temporary sibling folder renamed into place). Returns the names of the files written.
    /// </summary>
    public static IReadOnlyList<string> Write(string modelDirectory, string adapterDirectory, string outputDirectory,
        ScalarType? dtype = null, long maxShardBytes = DefaultMaxShardBytes, Action<string>? log = null)
    {
        var output = Path.GetFullPath(outputDirectory).TrimEnd(Path.DirectorySeparatorChar);
        foreach (var (input, what) in new[] { (modelDirectory, "model"), (adapterDirectory, "adapter") })
            if (string.Equals(Path.GetFullPath(input).TrimEnd(Path.DirectorySeparatorChar), output, StringComparison.Ordinal))
                throw new LoraException($"{outputDirectory}: the output folder is the {what} folder; choose another");
        if (LoadedAdapter.IsPTuning(adapterDirectory)) throw new LoraException(MergeRefusal(adapterDirectory));
        if (maxShardBytes < 1) throw new ArgumentException($"maxShardBytes must be positive, got {maxShardBytes}", nameof(maxShardBytes));
        var config = ModelConfig.Load(modelDirectory);
        var target = dtype ?? DefaultDtype(config);
        if (target is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"merged dtype must be float32, bfloat16 or float16, not {target}", nameof(dtype));
        using var contents = PeftAdapter.Load(adapterDirectory);
        using var model = LlamaForCausalLM.Load(modelDirectory, target, CPU);
        // A 4-bit base is dequantized first and merged in full precision; the output is never re-quantized.
        var dequantized = ModelQuantizer.Dequantize(model, target);
        if (dequantized > 0)
            log?.Invoke($"dequantized {dequantized} NF4 projections to {DTypes.TorchDtypeName(target)}; the merged model is full precision (not re-quantized)");
        var adapter = PeftAdapter.Apply(model, contents);
        log?.Invoke($"applied {adapter.ModulePaths.Count} LoRA modules (r={adapter.Settings.Rank}, scale={adapter.Settings.Scale:G6})");
        adapter.MergeAndRemove();

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var names = TensorInventory.Expected(config).Keys.ToList();
        var missing = names.Where(n => !parameters.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"merged model lacks {string.Join(", ", missing)}");
        var shards = ShardPlan.Group(names, n => parameters[n].NumberOfElements * parameters[n].ElementSize, maxShardBytes);
        var files = new List<string>();
        AtomicDirectory.Write(outputDirectory, temp =>
        {
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            long total = 0;
            for (var s = 0; s < shards.Count; s++)
            {
                var shardName = ShardPlan.FileName(s, shards.Count);
                SafetensorsWriter.Save(Path.Combine(temp, shardName), shards[s].Select(n => KeyValuePair.Create(n, (Tensor)parameters[n])));
                foreach (var name in shards[s])
                {
                    weightMap[name] = shardName;
                    total += parameters[name].NumberOfElements * parameters[name].ElementSize;
                }
                files.Add(shardName);
                log?.Invoke($"wrote {shardName} ({shards[s].Count} tensors)");
            }
            if (shards.Count > 1)
            {
                new ShardIndex(weightMap, total).Write(Path.Combine(temp, CheckpointFormats.IndexFile));
                files.Add(CheckpointFormats.IndexFile);
            }
            CheckpointConverter.WriteConfig(modelDirectory, temp, DTypes.TorchDtypeName(target));
            files.Add("config.json");
            files.AddRange(CheckpointConverter.CopyCompanions(modelDirectory, temp));
        });
        return files;
    }

    /// <summary>The dtype a merged checkpoint gets by default: the base's <c>torch_dtype</c>, float32 when absent or unknown.</summary>
    public static ScalarType DefaultDtype(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return DTypes.FromTorchDtypeName(config.TorchDtype);
    }

}
