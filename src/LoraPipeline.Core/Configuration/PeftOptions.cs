using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>
/// The <c>peft</c> section: which parameter-efficient scheme Train uses (<c>lora</c>, shaped by the <c>lora</c> section,
/// or <c>ptuning</c>, PEFT's <c>PromptEncoder</c>) and the P-tuning prompt encoder's shape, named as PEFT's
/// <c>PromptEncoderConfig</c> names its fields.
/// </summary>
internal sealed class PeftOptions
{
    /// <summary>The scheme: LoRA (the default) or P-tuning.</summary>
    [Description("lora (the lora section) or ptuning (virtual tokens from a prompt encoder, the base frozen)")]
    public PeftScheme Scheme { get; set; } = PeftScheme.Lora;

    /// <summary>P-tuning: virtual tokens prepended to every input.</summary>
    [Description("ptuning: virtual tokens prepended to every input"), Range(1, 4096)]
    public int NumVirtualTokens { get; set; } = 20;

    /// <summary>P-tuning: how the virtual token embeddings are reparameterised.</summary>
    [Description("ptuning: mlp (PEFT's recommended default) or lstm")]
    public PromptEncoderType EncoderReparameterizationType { get; set; } = PromptEncoderType.Mlp;

    /// <summary>P-tuning: the encoder's hidden size; null means the model's hidden size (PEFT's default).</summary>
    [Description("ptuning: the encoder's hidden size (empty: the model's hidden size, as PEFT)"), Range(1, 1_000_000)]
    public int? EncoderHiddenSize { get; set; }

    /// <summary>P-tuning: LSTM layers (PEFT ignores it for the MLP, which always has its three linear layers).</summary>
    [Description("ptuning: LSTM layers (the MLP always has PEFT's three linear layers and refuses another value)"), Range(1, 64)]
    public int EncoderNumLayers { get; set; } = 2;

    /// <summary>P-tuning: dropout between LSTM layers (PEFT's MLP has no dropout).</summary>
    [Description("ptuning: dropout between LSTM layers (PEFT's MLP has none, so it must stay 0 there)"), Range(0.0, 0.99)]
    public double EncoderDropout { get; set; }
}
