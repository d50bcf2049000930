namespace LoraPipeline.Configuration;

/// <summary>Floating-point formats for stored weights and computation.</summary>
internal enum DType
{
    /// <summary>bfloat16.</summary>
    Bf16,
    /// <summary>float32.</summary>
    F32,
}

/// <summary>How Convert stores the decoder's linear weights.</summary>
internal enum WeightQuantization
{
    /// <summary>In the model dtype (a 4-bit input is dequantized).</summary>
    None,
    /// <summary>4-bit NF4 with double quantization, bitsandbytes' layout (QLoRA's base).</summary>
    Nf4,
}

/// <summary>The compute dtype of training, evaluation and benchmarks.</summary>
internal enum ComputePrecision
{
    /// <summary>bfloat16 where this machine multiplies it at least as fast as float32 (probed once, cached), else float32.</summary>
    Auto,
    /// <summary>bfloat16 (warned about on a CPU that is slow at it).</summary>
    Bf16,
    /// <summary>float32.</summary>
    F32,
}

/// <summary>The prompt format used to render training and evaluation examples.</summary>
internal enum PromptFormat
{
    /// <summary>The model's own <c>chat_template</c> when it ships one, else from its tokenizer's special tokens (Llama 3, ChatML, else plain).</summary>
    Auto,
    /// <summary>A plain instruction template for base models.</summary>
    Plain,
    /// <summary>Llama 2 chat (<c>[INST] ... [/INST]</c>).</summary>
    Llama2,
    /// <summary>Llama 3 chat (header tokens, <c>&lt;|eot_id|&gt;</c>).</summary>
    Llama3,
    /// <summary>Mistral instruct.</summary>
    Mistral,
    /// <summary>ChatML as used by Qwen2.</summary>
    Chatml,
    /// <summary>The model's own Jinja <c>chat_template</c> (what <c>auto</c> picks when the model ships one).</summary>
    ChatTemplate,
}

/// <summary>What to do with a malformed input line.</summary>
internal enum OnError
{
    /// <summary>Stop with an error naming the file and line.</summary>
    Fail,
    /// <summary>Skip the line and count it in the report.</summary>
    Skip,
}

/// <summary>Learning-rate decay after warm-up.</summary>
internal enum LrSchedule
{
    /// <summary>Cosine decay to zero.</summary>
    Cosine,
    /// <summary>Linear decay to zero.</summary>
    Linear,
    /// <summary>Constant after warm-up.</summary>
    Constant,
}

/// <summary>Whether training continues from the newest complete checkpoint.</summary>
internal enum ResumeMode
{
    /// <summary>Resume when a complete checkpoint for the same fingerprint exists.</summary>
    Auto,
    /// <summary>Always start from step 0.</summary>
    Never,
}

/// <summary>What the backward pass recomputes instead of keeping (NeMo's <c>activations_checkpoint_granularity</c>).</summary>
internal enum ActivationCheckpointing
{
    /// <summary>Every activation a gradient needs is kept.</summary>
    None,
    /// <summary>The attention core (scores, softmax, weighted values) is recomputed; its inputs are kept.</summary>
    Selective,
    /// <summary>Each decoder layer keeps only its input and is recomputed in the backward pass.</summary>
    Full,
}

/// <summary>Which trainer runs the Train stage.</summary>
internal enum TrainEngine
{
    /// <summary>Our own TorchSharp trainer, in the <c>lora</c> process.</summary>
    Lora,
    /// <summary>Hugging Face TRL's <c>SFTTrainer</c> with PEFT, from a generated bundle under <c>train/engine/</c>.</summary>
    Trl,
}

/// <summary>Where the Train stage's work runs.</summary>
internal enum TrainLauncher
{
    /// <summary>On this machine.</summary>
    Local,
    /// <summary>As a Kubeflow <c>PyTorchJob</c> applied with <c>kubectl</c> (TRL engine).</summary>
    Kubernetes,
    /// <summary>As a Slurm batch job (<c>sbatch</c>) running our own trainer on a compute node.</summary>
    Slurm,
}

/// <summary>How an external engine shards training over processes.</summary>
internal enum DistributedStrategy
{
    /// <summary>Data parallel, every process holds the whole model (PyTorch DDP).</summary>
    Ddp,
    /// <summary>PyTorch FSDP, parameters sharded (full shard).</summary>
    Fsdp,
    /// <summary>DeepSpeed ZeRO stage 2 (optimizer state and gradients sharded).</summary>
    DeepspeedZero2,
    /// <summary>DeepSpeed ZeRO stage 3 (parameters sharded too).</summary>
    DeepspeedZero3,
}

/// <summary>The optimizer over the adapter parameters (<c>train.optimizer</c>).</summary>
internal enum OptimizerKind
{
    /// <summary>AdamW: decoupled weight decay (NeMo's fused_adam, PEFT/TRL's default).</summary>
    Adamw,

    /// <summary>Adam: weight decay added to the gradient (torch.optim.Adam).</summary>
    Adam,

    /// <summary>SGD with momentum (torch.optim.SGD, no dampening, no Nesterov).</summary>
    Sgd,
}

/// <summary>The parameter-efficient scheme Train uses (<c>peft.scheme</c>).</summary>
internal enum PeftScheme
{
    /// <summary>LoRA on the projections the <c>lora</c> section names.</summary>
    Lora,

    /// <summary>P-tuning: trained virtual tokens prepended to the input embeddings (PEFT's <c>P_TUNING</c>).</summary>
    Ptuning,
}

/// <summary>The P-tuning prompt encoder's reparameterisation (<c>peft.encoder_reparameterization_type</c>, PEFT's MLP or LSTM).</summary>
internal enum PromptEncoderType
{
    /// <summary>Embedding, then Linear-ReLU-Linear-ReLU-Linear.</summary>
    Mlp,

    /// <summary>Embedding, then a bidirectional LSTM, then Linear-ReLU-Linear.</summary>
    Lstm,
}
