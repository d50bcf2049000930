using LoraPipeline.Checkpoints;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Grouped-query self-attention (<c>self_attn</c>): projections <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>,
/// <c>o_proj</c>, rotary embeddings on q and k, key/value heads repeated to the query heads, and
/// <c>scaled_dot_product_attention</c> (scale 1/√head_dim) under a boolean mask.
/// </summary>
internal sealed class Attention : ProjectionModule
{
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    /// <summary>The attention projections, as Llama, Mistral and Qwen2 name them.</summary>
    public static IReadOnlyList<string> StandardProjections { get; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>Builds the projections for <paramref name="config"/> in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Attention(ModelConfig config, ScalarType dtype, Device device) : base("self_attn", [.. StandardProjections])
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        long h = config.HiddenSize, q = (long)_heads * _headDim, kv = (long)_kvHeads * _headDim;
        SetProjection("q_proj", nn.Linear(h, q, config.QkvBias, device, dtype));
        SetProjection("k_proj", nn.Linear(h, kv, config.QkvBias, device, dtype));
        SetProjection("v_proj", nn.Linear(h, kv, config.QkvBias, device, dtype));
        SetProjection("o_proj", nn.Linear(q, h, config.OutputBias, device, dtype));
    }

    /// <summary>
    /// Attends over <paramref name="x"/> [batch, seq, hidden]. <paramref name="mask"/> is boolean
    /// [batch, 1, seq, past + seq] (true = may attend), or null: then <paramref name="isCausal"/> selects plain causal
    /// attention (the kernel's own <c>is_causal</c>, no mask tensor, the path on which CUDA can use its flash and
    /// memory-efficient kernels) or every key (one decoding query). With a <paramref name="cache"/>, this layer's keys and
    /// values are appended to it and attention covers the cached ones too. <paramref name="recomputeCore"/> (selective
    /// activation checkpointing) keeps only q, k and v for the backward pass and recomputes the attention core there.
    /// With <paramref name="segments"/> (packed rows, no cache) attention runs causally within each segment instead.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, KvCache? cache, int layerIndex,
        bool recomputeCore = false, PackedSegments? segments = null)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1];
        var q = Project("q_proj", x).view(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = Project("k_proj", x).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        var v = Project("v_proj", x).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layerIndex, k, v);
        var attended = recomputeCore
            ? Recomputation.Run(t => Segmented(t[0]!, t[1]!, t[2]!, t[3], isCausal, segments), [q, k, v, mask], [], [])
            : Segmented(q, k, v, mask, isCausal, segments);
        var merged = attended.transpose(1, 2).reshape(batch, seq, (long)_heads * _headDim);
        return Project("o_proj", merged).MoveToOuterDisposeScope();
    }

    /// <summary>The attention core over whole rows, or with <paramref name="segments"/> causally within each segment.</summary>
    private Tensor Segmented(Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal, PackedSegments? segments)
    {
        if (segments is null) return Core(q, k, v, mask, isCausal);
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(segments.Rows.Count);
        // split, not narrow: split's backward is one concatenation, where each narrow's backward would write a
        // zero-filled gradient of the whole row per segment.
        var (qRows, kRows, vRows) = (q.split(1, 0), k.split(1, 0), v.split(1, 0));
        for (var row = 0; row < segments.Rows.Count; row++)
        {
            var lengths = segments.Rows[row].Select(l => (long)l).ToArray();
            var (qs, ks, vs) = (qRows[row].split(lengths, 2), kRows[row].split(lengths, 2), vRows[row].split(lengths, 2));
            var parts = new List<Tensor>(lengths.Length);
            for (var i = 0; i < lengths.Length; i++)
                parts.Add(Core(qs[i], ks[i], vs[i], null, lengths[i] > 1));
            rows.Add(parts.Count == 1 ? parts[0] : cat(parts, 2));
        }
        return (rows.Count == 1 ? rows[0] : cat(rows, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>softmax(q·kᵀ/√d + mask)·v</c> for q [batch, heads, seq, d] and k, v [batch, kv_heads, keys, d]. TorchSharp
    /// 0.107's <c>scaled_dot_product_attention</c> has no <c>enable_gqa</c> (nor <c>scale</c>) argument, so several
    /// queries per kv head either fold into the query axis (one decoding query) or get their keys and values repeated.
    /// </summary>
    private Tensor Core(Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], seq = q.shape[2];
        Tensor attended;
        if (_kvHeads == _heads)
            attended = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, isCausal);
        else if (seq == 1)
        {
            // One query per head (decoding): fold each kv head's query heads into the query axis instead of
            // copying the cached keys/values; the mask [batch, 1, 1, keys] broadcasts over them unchanged.
            var repeats = _heads / _kvHeads;
            var grouped = q.reshape(batch, _kvHeads, repeats, _headDim);
            attended = nn.functional.scaled_dot_product_attention(grouped, k, v, mask, 0.0, false)
                .reshape(batch, _heads, 1, _headDim);
        }
        else
        {
            // Each kv head serves heads/kv consecutive query heads.
            var repeats = _heads / _kvHeads;
            attended = nn.functional.scaled_dot_product_attention(
                q, k.repeat_interleave(repeats, 1), v.repeat_interleave(repeats, 1), mask, 0.0, isCausal);
        }
        return attended.MoveToOuterDisposeScope();
    }
}
