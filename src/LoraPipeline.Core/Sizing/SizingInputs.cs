using LoraPipeline.Configuration;

namespace LoraPipeline.Sizing;

/// <summary>The settings an estimate depends on besides the model's shapes.</summary>
internal sealed record SizingInputs
{
    /// <summary>Tokens per training sequence (<c>data.max_seq_length</c>); also the serving context length.</summary>
    public required int SeqLength { get; init; }

    /// <summary>Sequences per forward pass (<c>train.micro_batch_size</c>).</summary>
    public required int MicroBatchSize { get; init; }

    /// <summary>LoRA rank r (<c>lora.r</c>).</summary>
    public required int LoraR { get; init; }

    /// <summary>Adapted modules (<c>lora.target_modules</c>): short names such as <c>q_proj</c> or regular expressions.</summary>
    public required IReadOnlyList<string> TargetModules { get; init; }

    /// <summary>Whether the adapters apply dropout (<c>lora.dropout</c> &gt; 0), which keeps a mask per adapted input.</summary>
    public bool AdapterDropout { get; init; } = true;

    /// <summary>The PEFT scheme (<c>peft.scheme</c>): with P-tuning there are no LoRA layers, the prompt encoder is the
    /// adapter, every sequence is <see cref="VirtualTokens"/> longer and the gradient reaches the first layer's input.</summary>
    public PeftScheme Scheme { get; init; }

    /// <summary>P-tuning: virtual tokens before every sequence (included in <see cref="SeqLength"/>).</summary>
    public int VirtualTokens { get; init; }

    /// <summary>P-tuning: the prompt encoder's shape (<c>peft.*</c>).</summary>
    public PeftOptions? PromptEncoder { get; init; }

    /// <summary>The optimizer (<c>train.optimizer</c>): SGD keeps one float32 buffer per adapter parameter (none without
    /// <see cref="Momentum"/>), Adam and AdamW two.</summary>
    public OptimizerKind Optimizer { get; init; }

    /// <summary>SGD's momentum (<c>train.momentum</c>); only whether it is 0 matters to memory.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Dtype of the frozen weights and of activations (<c>train.precision</c>); adapters are always float32.</summary>
    public required DType Dtype { get; init; }

    /// <summary>How the frozen decoder weights are stored (<c>model.quantization</c>): <c>nf4</c> is QLoRA's 4-bit base.</summary>
    public WeightQuantization Quantization { get; init; }

    /// <summary>
    /// With <see cref="Quantization"/> <c>nf4</c>: decoder-projection parameters the 4-bit checkpoint keeps in full
    /// precision (its <c>llm_int8_skip_modules</c>; see <see cref="QuantizedWeights.FullPrecisionProjectionParameters"/>);
    /// 0 when every projection is 4-bit. Read from the checkpoint, not the config, so it is no part of the fingerprint.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long FullPrecisionProjectionParameters { get; init; }

    /// <summary>What the backward pass recomputes (<c>train.activation_checkpointing</c>).</summary>
    public ActivationCheckpointing Checkpointing { get; init; }

    /// <summary>Whether examples are packed into rows (<c>data.packing</c>): rows are full, attention stays within each example.</summary>
    public bool Packing { get; init; }

    /// <summary>Label positions per LM-head chunk (<c>train.loss_chunk_tokens</c>; 0 = the loss in one piece).</summary>
    public int LossChunkTokens { get; init; }

    /// <summary>
    /// Whether attention gets a mask tensor: several unpacked rows that may be padded. A single row, and packed rows
    /// (attention per example segment, <c>Modeling/PackedSegments</c>), run the kernel's own causal masking.
    /// </summary>
    public bool HasAttentionMask => !Packing && MicroBatchSize > 1;

    /// <summary>
    /// Tokens per sequence that get full-vocabulary logits in training: null for every token (a plain
    /// cross-entropy over the whole sequence), or the answer tokens when the loss is computed in chunks over
    /// answer positions only.
    /// </summary>
    public int? LossTokens { get; init; }

    /// <summary>Bytes of one element of the frozen weights and activations.</summary>
    public int ElementBytes => Dtype == DType.Bf16 ? 2 : 4;

    /// <summary>The inputs a pipeline config implies (override with <c>with</c>).</summary>
    public static SizingInputs FromConfig(PipelineConfig config)
    {
        var ptuning = config.Peft.Scheme == PeftScheme.Ptuning;
        return new()
        {
        Scheme = config.Peft.Scheme,
        VirtualTokens = ptuning ? config.Peft.NumVirtualTokens : 0,
        PromptEncoder = ptuning ? config.Peft : null,
        SeqLength = config.Data.MaxSeqLength + (ptuning ? config.Peft.NumVirtualTokens : 0),
        MicroBatchSize = config.Train.MicroBatchSize,
        LoraR = config.Lora.R,
        Optimizer = config.Train.Optimizer,
        Momentum = config.Train.Momentum,
        TargetModules = ptuning ? [] : config.Lora.TargetModules.ToList(),
        AdapterDropout = !ptuning && config.Lora.Dropout > 0,
        Dtype = config.Train.Precision == ComputePrecision.F32 ? DType.F32 : DType.Bf16, // plans are for accelerators, where auto is bf16
        Checkpointing = config.Train.ActivationCheckpointing,
        Quantization = config.Model.Quantization,
        Packing = config.Data.Packing,
        LossChunkTokens = config.Train.LossChunkTokens,
        };
    }

    /// <summary>
    /// The P-tuning prompt encoder's parameters for a model of hidden size <paramref name="tokenDim"/>: the virtual token
    /// table, then PEFT's MLP (three linear layers) or bidirectional LSTM plus two linear layers; 0 under LoRA.
    /// </summary>
    public long PromptEncoderParameters(long tokenDim)
    {
        if (Scheme != PeftScheme.Ptuning || PromptEncoder is not { } p) return 0;
        long h = p.EncoderHiddenSize ?? tokenDim, table = (long)p.NumVirtualTokens * tokenDim;
        if (p.EncoderReparameterizationType == PromptEncoderType.Mlp)
            return table + (tokenDim * h + h) + (h * h + h) + (h * tokenDim + tokenDim);
        long lstm = 0;
        for (var layer = 0; layer < p.EncoderNumLayers; layer++)
            lstm += 2 * (4 * h * (layer == 0 ? tokenDim : 2 * h) + 4 * h * h + 8 * h); // two directions: W_ih, W_hh, b_ih, b_hh
        return table + lstm + (2 * h * 2 * h + 2 * h) + (2 * h * tokenDim + tokenDim);
    }
}
