using LoraPipeline.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// The Llama-family causal language model (<c>LlamaForCausalLM</c>, <c>MistralForCausalLM</c>,
/// <c>Qwen2ForCausalLM</c>) with Hugging Face parameter names: <c>model.embed_tokens.weight</c>,
/// <c>model.layers.0.self_attn.q_proj.weight</c>, ..., <c>model.norm.weight</c>, <c>lm_head.weight</c>.
/// Computes in the dtype its weights are in (float32 or bfloat16); norms and rotary angles in float32.
/// Mistral's sliding window is not applied: results differ from transformers only beyond <c>sliding_window</c>
/// positions (4096 for Mistral 7B).
/// </summary>
internal sealed class LlamaForCausalLM : nn.Module
{
    [TorchSharp.Utils.ComponentName(Name = "model")]
    private readonly LlamaModel _model;
    [TorchSharp.Utils.ComponentName(Name = "lm_head")]
    private readonly Linear _lmHead;

    /// <summary>
    /// Builds the network with freshly initialized weights on <paramref name="device"/>; on the <c>meta</c> device
    /// nothing is allocated (the loader then installs the checkpoint's tensors).
    /// </summary>
    public LlamaForCausalLM(ModelConfig config, ScalarType dtype, Device device) : base("LlamaForCausalLM")
    {
        Config = config;
        ComputeType = dtype;
        _model = new LlamaModel(config, dtype, device);
        _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, false, device, dtype);
        if (config.TieWordEmbeddings) _lmHead.weight = _model.EmbedTokens.weight!;
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The compute dtype (the dtype of the weights).</summary>
    public ScalarType ComputeType { get; }

    /// <summary>The device of the weights.</summary>
    public Device Device => _model.EmbedTokens.weight!.device;

    /// <summary>The LM head's weight [vocab, hidden] (the embedding matrix when tied).</summary>
    public Tensor LmHeadWeight => _lmHead.weight!;

    /// <summary>The decoder stack (<c>model</c>).</summary>
    public LlamaModel Model => _model;

    /// <summary>Loads a Hugging Face model folder; see <see cref="ModelLoader.Load(string, ScalarType, Device)"/>.</summary>
    public static LlamaForCausalLM Load(string modelDirectory, ScalarType computeDtype, Device device) =>
        ModelLoader.Load(modelDirectory, computeDtype, device);

    /// <summary>Loads a model with its layers spread as <paramref name="placement"/> says (see <see cref="LayerPlacement"/>).</summary>
    public static LlamaForCausalLM Load(string modelDirectory, ScalarType computeDtype, LayerPlacement placement) =>
        ModelLoader.Load(modelDirectory, computeDtype, placement);

    /// <summary>A model with random weights (seeded), for benchmarks and tests that need no checkpoint.</summary>
    public static LlamaForCausalLM CreateRandom(ModelConfig config, long seed, ScalarType dtype, Device device)
    {
        Torch.DeviceRandom.SeedAll(seed); // the weights are drawn on the device's own default generator
        var model = new LlamaForCausalLM(config, dtype, device);
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        return model;
    }

    /// <summary>
    /// Logits in the compute dtype for <paramref name="inputIds"/> [batch, seq] (int64): [batch, seq, vocab] by
    /// default, or only the rows <paramref name="logitsToKeep"/> selects. <paramref name="attentionMask"/>
    /// [batch, past + seq] marks tokens (1) and padding (0) over cached and new positions; <paramref name="cache"/>
    /// receives the new keys/values; <paramref name="positionIds"/> [batch, seq] default to <c>cumsum(mask) - 1</c>
    /// (or past..past+seq-1 without a mask).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null, Tensor? positionIds = null,
        LogitsToKeep? logitsToKeep = null)
    {
        using var scope = NewDisposeScope();
        var hidden = _model.Forward(inputIds, attentionMask, cache, positionIds);
        var kept = (logitsToKeep ?? LogitsToKeep.All).Select(hidden);
        return _lmHead.call(kept).MoveToOuterDisposeScope();
    }

    /// <summary>Points <c>lm_head</c> at the embedding matrix again (after the embedding weight was replaced).</summary>
    internal void TieWeights(Device? headDevice = null)
    {
        if (!Config.TieWordEmbeddings) return;
        var embedding = _model.EmbedTokens.weight!;
        // Layers spread over devices: a head on another device gets its own (frozen) copy of the tied matrix.
        _lmHead.weight = headDevice is null || headDevice.ToString() == embedding.device.ToString()
            ? embedding
            : new TorchSharp.Modules.Parameter(embedding.detach().to(headDevice), requires_grad: false);
    }

    /// <summary>A fresh cache for this model holding up to <paramref name="capacity"/> positions without growing.</summary>
    public KvCache NewCache(long capacity) => new(Config.NumHiddenLayers, capacity);
}
