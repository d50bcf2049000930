using LoraPipeline.Modeling;
namespace LoraPipeline.Checkpoints;

/// <summary>
/// The tensors a checkpoint must hold for its <see cref="ModelConfig"/>: names (Hugging Face layout) and
/// shapes. <see cref="Check"/> names every missing, unexpected and mis-shaped tensor at once.
/// </summary>
internal static class TensorInventory
{
    /// <summary>Expected tensor names and shapes, in layer order.</summary>
    public static IReadOnlyDictionary<string, long[]> Expected(ModelConfig config)
    {
        long h = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        long inter = config.IntermediateSize, vocab = config.VocabSize;
        var shapes = new Dictionary<string, long[]> { ["model.embed_tokens.weight"] = [vocab, h] };
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            shapes[p + "input_layernorm.weight"] = [h];
            shapes[p + "post_attention_layernorm.weight"] = [h];
            shapes[p + "self_attn.q_proj.weight"] = [q, h];
            shapes[p + "self_attn.k_proj.weight"] = [kv, h];
            shapes[p + "self_attn.v_proj.weight"] = [kv, h];
            shapes[p + "self_attn.o_proj.weight"] = [h, q];
            if (config.QkvBias)
            {
                shapes[p + "self_attn.q_proj.bias"] = [q];
                shapes[p + "self_attn.k_proj.bias"] = [kv];
                shapes[p + "self_attn.v_proj.bias"] = [kv];
            }
            if (config.OutputBias) shapes[p + "self_attn.o_proj.bias"] = [h];
            shapes[p + "mlp.gate_proj.weight"] = [inter, h];
            shapes[p + "mlp.up_proj.weight"] = [inter, h];
            shapes[p + "mlp.down_proj.weight"] = [h, inter];
            if (config.MlpBias)
            {
                shapes[p + "mlp.gate_proj.bias"] = [inter];
                shapes[p + "mlp.up_proj.bias"] = [inter];
                shapes[p + "mlp.down_proj.bias"] = [h];
            }
        }
        shapes["model.norm.weight"] = [h];
        if (!config.TieWordEmbeddings) shapes["lm_head.weight"] = [vocab, h];
        return shapes;
    }

    /// <summary>
    /// Names and shapes as stored: <see cref="Expected"/>, except that each decoder projection weight of n values in
    /// <paramref name="fourBit"/> (see <see cref="ModelQuantizer.FourBitWeights"/>) is packed as uint8 [ceil(n/2), 1]
    /// (its quant-state companions are checked when the weight is read).
    /// </summary>
    public static IReadOnlyDictionary<string, long[]> Stored(ModelConfig config, IReadOnlySet<string> fourBit)
    {
        ArgumentNullException.ThrowIfNull(fourBit);
        var expected = Expected(config);
        if (fourBit.Count == 0) return expected;
        return expected.ToDictionary(p => p.Key, p => fourBit.Contains(p.Key) ? PackedShape(p.Value) : p.Value);
    }

    private static long[] PackedShape(long[] shape) => [(shape.Aggregate(1L, (a, b) => a * b) + 1) / 2, 1L];

    /// <summary>Tensors that checkpoints may carry but the network does not use (rotary caches of old exports).</summary>
    public static bool IsIgnorable(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>Checks actual names and shapes against the config; throws one error listing every problem.</summary>
    /// <param name="config">The model's config.</param>
    /// <param name="actual">Tensor names and shapes found in the checkpoint.</param>
    /// <param name="source">The checkpoint folder or file, for the message.</param>
    /// <param name="fileOf">Optionally, the file holding each actual tensor, named in the message.</param>
    public static void Check(ModelConfig config, IReadOnlyDictionary<string, long[]> actual, string source, Func<string, string>? fileOf = null)
    {
        string In(string name) => fileOf is null ? "" : $" in {fileOf(name)}";
        var fourBit = ModelQuantizer.FourBitWeights(config, actual.Keys);
        var expected = Stored(config, fourBit);
        var withCompanions = actual.Keys.Select(Quantization.Nf4Serialization.WeightOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        string FourBitHint(string name, long[] shape, long[] found) =>
            config.Quantization is null || !found.SequenceEqual(PackedShape(shape)) ? ""
            : withCompanions.Contains(name)
                ? " (it is stored 4-bit, and only the decoder projections load 4-bit here: keep the embeddings and the LM head in full " +
                  "precision, as transformers does unless llm_int8_skip_modules is set without 'lm_head')"
                : $" (it has the packed shape of a 4-bit weight, but none of its quant-state tensors such as '{name}{Quantization.Nf4Serialization.QuantStateSuffix}')";
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            if (!actual.TryGetValue(name, out var found))
            {
                // A tied model may still ship lm_head.weight; an untied one must.
                problems.Add($"missing tensor '{name}' [{string.Join(", ", shape)}]");
            }
            else if (!found.SequenceEqual(shape))
                problems.Add($"tensor '{name}'{In(name)} has shape [{string.Join(", ", found)}], config.json implies [{string.Join(", ", shape)}]" +
                             FourBitHint(name, shape, found));
        }
        foreach (var name in actual.Keys.Order(StringComparer.Ordinal))
        {
            if (expected.ContainsKey(name) || IsIgnorable(name)) continue;
            // A quant-state part belongs to its weight: a 4-bit projection's are expected, those of another weight stored
            // 4-bit are named with that weight, and a tied model's lm_head is ignored with all its parts.
            var owner = Quantization.Nf4Serialization.WeightOf(name) ?? name;
            if (owner == "lm_head.weight" && config.TieWordEmbeddings) continue;
            if (fourBit.Contains(owner)) continue;
            if (expected.TryGetValue(owner, out var wanted) && actual.TryGetValue(owner, out var stored) && !stored.SequenceEqual(wanted)) continue;
            problems.Add($"unexpected tensor '{name}' [{string.Join(", ", actual[name])}]{In(name)}");
        }
        if (problems.Count > 0)
        {
            const int shown = 20;
            var more = problems.Count > shown ? $"\n  ... and {problems.Count - shown} more" : "";
            throw new CheckpointException(
                $"{source}: the checkpoint does not match config.json ({config.ArchitectureName}, {config.NumHiddenLayers} layers):\n  " +
                string.Join("\n  ", problems.Take(shown)) + more);
        }
    }

    /// <summary>Names and shapes of every tensor in a model folder's safetensors files (headers only).</summary>
    public static IReadOnlyDictionary<string, long[]> Read(string modelDirectory)
    {
        var result = new Dictionary<string, long[]>();
        foreach (var file in CheckpointLoader.Files(modelDirectory))
            foreach (var entry in SafetensorsHeader.Read(file).Entries)
                result[entry.Name] = entry.Shape;
        return result;
    }
}
