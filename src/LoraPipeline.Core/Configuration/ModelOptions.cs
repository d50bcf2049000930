using System.ComponentModel;

namespace LoraPipeline.Configuration;

/// <summary>The <c>model</c> section: which base model, and in which format to train it.</summary>
internal sealed class ModelOptions
{
    /// <summary>Model source: <c>hf:org/name[@revision]</c>, a local folder, or <c>builtin:tiny-llama</c>.</summary>
    [Description("hf:org/name[@revision], a local folder, or builtin:tiny-llama")]
    public string Source { get; set; } = "builtin:tiny-llama";

    /// <summary>Hub revision (branch, tag or commit) when the source does not name one.</summary>
    [Description("Hub revision (branch, tag or commit sha)")]
    public string Revision { get; set; } = "main";

    /// <summary>Dtype of the converted frozen weights.</summary>
    [Description("dtype of the converted base weights: bf16 or f32")]
    public DType Dtype { get; set; } = DType.Bf16;

    /// <summary>4-bit storage of the decoder's linear weights; <c>nf4</c> makes training QLoRA.</summary>
    [Description("none, or nf4: store the decoder's linear weights 4-bit (bitsandbytes NF4, double-quantized) and train QLoRA")]
    public WeightQuantization Quantization { get; set; } = WeightQuantization.None;

    /// <summary>Largest shard written by Convert, such as <c>2GB</c> or <c>500MB</c>.</summary>
    [Description("largest converted shard, e.g. 2GB or 500MB")]
    public string MaxShardSize { get; set; } = "2GB";

    /// <summary>Prompt format for training and inference.</summary>
    [Description("prompt format: auto, plain, llama2, llama3, mistral, chatml")]
    public PromptFormat PromptFormat { get; set; } = PromptFormat.Auto;
}
