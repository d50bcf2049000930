using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>The decoder stack (<c>model</c>): <c>embed_tokens</c>, <c>layers.N</c>, final <c>norm</c>.</summary>
internal sealed class LlamaModel : nn.Module
{
    [TorchSharp.Utils.ComponentName(Name = "embed_tokens")]
    private readonly Embedding _embedTokens;
    [TorchSharp.Utils.ComponentName(Name = "layers")]
    private readonly ModuleList<DecoderLayer> _layers;
    [TorchSharp.Utils.ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    /// <summary>Builds the stack for <paramref name="config"/> in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public LlamaModel(ModelConfig config, ScalarType dtype, Device device) : base("model")
    {
        _embedTokens = device.type == TorchSharp.DeviceType.META
            ? MetaEmbedding(config.VocabSize, config.HiddenSize, dtype, device)
            : nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        _layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new DecoderLayer(config, i, dtype, device)).ToArray());
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        RegisterComponents();
    }

    // TorchSharp's native Embedding constructor (from_pretrained too) allocates its table on the CPU whatever the
    // device, so a model built on the meta device for loading held a full garbage table (+1× the embedding's bytes,
    // e.g. 1 GiB for Llama 3 8B in bf16) until the garbage collector ran. A one-row module given an empty meta table
    // of the right shape allocates nothing; the loader installs the real table. Random models keep the initialiser,
    // whose draws they depend on.
    private static Embedding MetaEmbedding(int vocab, int hidden, ScalarType dtype, Device device)
    {
        var embedding = nn.Embedding(1, hidden, device: device, dtype: dtype);
        embedding.weight = new Parameter(empty([vocab, hidden], dtype, device), requires_grad: false);
        return embedding;
    }

    /// <summary>The token embedding (<c>embed_tokens</c>).</summary>
    public Embedding EmbedTokens => _embedTokens;

    /// <summary>The decoder layers in order.</summary>
    public IReadOnlyList<DecoderLayer> Layers => _layers.ToList();

    /// <summary>The rotary embedding shared by all layers.</summary>
    public RotaryEmbedding Rotary => _rotary;

    /// <summary>
    /// What the backward pass recomputes instead of keeping (training only: without gradients, or with a cache,
    /// nothing is kept anyway).
    /// </summary>
    public ActivationCheckpointing Checkpointing { get; set; }

    /// <summary>Embeddings put before every sequence (P-tuning), or null; see <see cref="IVirtualTokens"/>.</summary>
    public IVirtualTokens? VirtualTokens { get; set; }

    /// <summary>
    /// Final hidden states [batch, seq, hidden] (after <c>norm</c>); see <see cref="LlamaForCausalLM.Forward"/>.
    /// <paramref name="attentionMask"/> is either the padding mask [batch, past + seq] or a ready boolean mask
    /// [batch, 1, seq, past + seq] (true = may attend), as for packed sequences, which then need their
    /// <paramref name="positionIds"/>. Packed rows can instead give their <paramref name="segments"/> (no mask, no
    /// cache, explicit position ids): attention then runs causally within each segment.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache, Tensor? positionIds, PackedSegments? segments = null)
    {
        using var scope = NewDisposeScope();
        long batch = inputIds.shape[0], seq = inputIds.shape[1], past = cache?.Length ?? 0;
        var device = inputIds.device;
        var hidden = _embedTokens.call(inputIds);
        var prefix = 0L;
        if (VirtualTokens is { } virtualTokens)
        {
            if (segments is not null || (attentionMask is not null && attentionMask.dim() == 4))
                throw new ArgumentException("virtual tokens (P-tuning) go before one sequence per row: packed rows and 4-D masks are not supported with them");
            var count = (long)virtualTokens.Count;
            // As PEFT: the virtual tokens come first on a fresh sequence, attended by every position (a prefix of ones in
            // the mask), at positions 0..count-1, so the caller's tokens start at position count. Later decoding steps find
            // them in the cache and only need the mask's ones again.
            if (past == 0)
            {
                prefix = count;
                var embeddings = virtualTokens.Embeddings().to(hidden.dtype).to(hidden.device);
                hidden = cat([embeddings.unsqueeze(0).expand(batch, count, hidden.shape[2]), hidden], 1);
                if (positionIds is not null)
                    positionIds = cat([arange(count, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batch, count), positionIds + count], 1);
                seq += count;
            }
            if (attentionMask is not null)
                attentionMask = cat([ones(batch, count, attentionMask.dtype, attentionMask.device), attentionMask], 1);
        }
        Tensor? mask;
        if (segments is not null)
        {
            if (attentionMask is not null || cache is not null || positionIds is null)
                throw new ArgumentException("packed segments take explicit position ids and neither an attention mask nor a cache", nameof(segments));
            if (segments.Rows.Count != batch || segments.RowLength != seq)
                throw new ArgumentException($"packed segments describe {segments.Rows.Count} rows of {segments.RowLength}; the ids are [{batch}, {seq}]", nameof(segments));
            mask = null;
        }
        else if (attentionMask is not null && attentionMask.dim() == 4)
        {
            if (attentionMask.shape[0] != batch || attentionMask.shape[2] != seq || attentionMask.shape[3] != past + seq)
                throw new ArgumentException(
                    $"attention mask is [{string.Join(", ", attentionMask.shape)}]; expected [{batch}, 1, {seq}, {past + seq}]", nameof(attentionMask));
            if (positionIds is null) throw new ArgumentException("a 4-D attention mask needs explicit position ids", nameof(positionIds));
            mask = attentionMask.to(ScalarType.Bool);
        }
        else
        {
            if (attentionMask is not null && (attentionMask.shape[0] != batch || attentionMask.shape[1] != past + seq))
                throw new ArgumentException(
                    $"attention mask is [{string.Join(", ", attentionMask.shape)}]; expected [{batch}, {past + seq}] (cached + new positions)",
                    nameof(attentionMask));
            positionIds ??= AttentionMasks.PositionIds(attentionMask, batch, past, seq, device);
            mask = AttentionMasks.Causal(attentionMask, batch, past, seq, device);
        }
        // No mask for several queries means plain causal attention: the kernel masks by itself.
        var isCausal = mask is null && seq > 1 && segments is null;
        var (cos, sin) = _rotary.Angles(positionIds, hidden.dtype);
        var recompute = cache is null && is_grad_enabled() ? Checkpointing : ActivationCheckpointing.None;
        foreach (var layer in _layers)
        {
            // Layers spread over devices: the activations (and the per-position inputs) follow at each boundary.
            if (layer.Device.ToString() != hidden.device.ToString())
            {
                var target = layer.Device;
                hidden = hidden.to(target);
                (cos, sin, mask) = (cos.to(target), sin.to(target), mask?.to(target));
            }
            hidden = recompute == ActivationCheckpointing.Full
                ? layer.ForwardRecomputed(hidden, cos, sin, mask, isCausal, segments)
                : layer.Forward(hidden, cos, sin, mask, isCausal, cache, recompute == ActivationCheckpointing.Selective, segments);
        }
        cache?.Advance(seq);
        var normDevice = _norm.weight!.device;
        if (normDevice.ToString() != hidden.device.ToString()) hidden = hidden.to(normDevice);
        var normed = _norm.Forward(hidden);
        return (prefix > 0 ? normed.narrow(1, prefix, seq - prefix) : normed).MoveToOuterDisposeScope();
    }
}
