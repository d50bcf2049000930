using LoraPipeline.Checkpoints;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// One pre-norm decoder layer: <c>h = x + self_attn(input_layernorm(x))</c>, then
/// <c>h + mlp(post_attention_layernorm(h))</c>.
/// </summary>
internal sealed class DecoderLayer : nn.Module
{
    [TorchSharp.Utils.ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm _inputNorm;
    [TorchSharp.Utils.ComponentName(Name = "self_attn")]
    private readonly Attention _attention;
    [TorchSharp.Utils.ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm _postAttentionNorm;
    [TorchSharp.Utils.ComponentName(Name = "mlp")]
    private readonly Mlp _mlp;
    private readonly int _index;

    /// <summary>Builds layer <paramref name="index"/> of <paramref name="config"/>.</summary>
    public DecoderLayer(ModelConfig config, int index, ScalarType dtype, Device device) : base($"layer{index}")
    {
        _index = index;
        _inputNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        _attention = new Attention(config, dtype, device);
        _postAttentionNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, device);
        _mlp = new Mlp(config, dtype, device);
        RegisterComponents();
    }

    /// <summary>The device of this layer's weights (layers may be spread over devices, see <see cref="LayerPlacement"/>).</summary>
    public Device Device => _inputNorm.weight!.device;

    /// <summary>Every projection LoRA can adapt in a layer: attention first, then MLP (all supported architectures share them).</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = [.. Attention.StandardProjections, .. Mlp.StandardProjections];

    /// <summary>The attention block (<c>self_attn</c>).</summary>
    public Attention SelfAttention => _attention;

    /// <summary>The feed-forward block (<c>mlp</c>).</summary>
    public Mlp Mlp => _mlp;

    /// <summary>Applies the layer to <paramref name="x"/> [batch, seq, hidden]; see <see cref="Attention.Forward"/> for the rest.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, KvCache? cache, bool recomputeAttentionCore = false,
        PackedSegments? segments = null)
    {
        using var scope = NewDisposeScope();
        var h = x + _attention.Forward(_inputNorm.Forward(x), cos, sin, mask, isCausal, cache, _index, recomputeAttentionCore, segments);
        return (h + _mlp.Forward(_postAttentionNorm.Forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layer with its activations recomputed in the backward pass (full activation checkpointing): only
    /// <paramref name="x"/> is kept; the adapters' dropout masks are replayed.
    /// </summary>
    public Tensor ForwardRecomputed(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool isCausal, PackedSegments? segments = null) =>
        Recomputation.Run(t => Forward(t[0]!, t[1]!, t[2]!, t[3], isCausal, null, segments: segments), [x, cos, sin, mask],
            parameters().ToList(), modules().OfType<IReplayableRandomness>().ToList());
}
