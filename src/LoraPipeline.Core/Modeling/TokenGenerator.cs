using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Autoregressive generation for a batch of token-id prompts. Prompts are LEFT-padded to a common length and
/// masked; position ids follow the mask (<c>cumsum - 1</c>) so padding changes nothing; each step feeds only the
/// new token through the <see cref="KvCache"/> (or, without the cache, the whole sequence again).
/// </summary>
internal static class TokenGenerator
{
    /// <summary>
    /// Generates up to <see cref="SamplingOptions.MaxNewTokens"/> ids after each prompt, stopping a prompt after it
    /// emits an eos id. <paramref name="onStep"/>, if given, is called after each step with its index (0 = the
    /// prompt pass). Returns the new ids per prompt (eos included when reached).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Generate(LlamaForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts,
        SamplingOptions options, Action<int>? onStep = null)
    {
        options.Validate();
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("every prompt needs at least one token id", nameof(prompts));
        var vocab = model.Config.VocabSize;
        foreach (var id in prompts.SelectMany(p => p))
            if (id < 0 || id >= vocab) throw new ArgumentException($"token id {id} is outside the vocabulary [0, {vocab})", nameof(prompts));
        var eos = (options.EosTokenIds ?? model.Config.EosTokenIds).ToHashSet();
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        if (options.MaxNewTokens == 0) return outputs;

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = model.Device;
        var (ids, mask) = LeftPad(prompts, device);
        using var cache = options.UseCache ? model.NewCache(ids.shape[1] + options.MaxNewTokens) : null;
        using var sampler = new TokenSampler(options);
        var finished = new bool[prompts.Count];
        var input = ids;
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var logits = model.Forward(cache is null ? ids : input, mask, cache, logitsToKeep: LogitsToKeep.Last())
                .select(1, 0).to(ScalarType.Float32);
            var chosen = sampler.Choose(logits).to(ScalarType.Int64).cpu().data<long>().ToArray();
            for (var row = 0; row < chosen.Length; row++)
            {
                if (finished[row]) continue;
                outputs[row].Add((int)chosen[row]);
                finished[row] = eos.Contains((int)chosen[row]);
            }
            onStep?.Invoke(step);
            if (finished.All(f => f) || step == options.MaxNewTokens - 1) break;
            input = tensor(chosen, [chosen.Length, 1], ScalarType.Int64, device);
            ids = cat([ids, input], 1);
            mask = cat([mask, ones(chosen.Length, 1, ScalarType.Int64, device)], 1);
            input.MoveToOuterDisposeScope();
            ids.MoveToOuterDisposeScope();
            mask.MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <summary>Ids [batch, longest] left-padded with 0 and the mask [batch, longest] (1 = token).</summary>
    public static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, Device device)
    {
        var longest = prompts.Max(p => p.Count);
        var ids = new long[prompts.Count * longest];
        var mask = new long[prompts.Count * longest];
        for (var row = 0; row < prompts.Count; row++)
        {
            var offset = row * longest + longest - prompts[row].Count;
            for (var i = 0; i < prompts[row].Count; i++)
            {
                ids[offset + i] = prompts[row][i];
                mask[offset + i] = 1;
            }
        }
        return (tensor(ids, [prompts.Count, longest], ScalarType.Int64, device),
                tensor(mask, [prompts.Count, longest], ScalarType.Int64, device));
    }
}
