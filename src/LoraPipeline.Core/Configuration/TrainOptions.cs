using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>train</c> section: optimiser, schedule, batches, validation and checkpoints.</summary>
internal sealed class TrainOptions
{
    /// <summary>Seed for adapter initialisation, dropout and data order.</summary>
    [Description("seed for adapter init, dropout and data order")]
    public int Seed { get; set; } = 42;

    /// <summary>Peak learning rate.</summary>
    [Description("peak learning rate"), Range(1e-9, 1.0)]
    public double Lr { get; set; } = 3e-3;

    /// <summary>The optimizer: adamw (decoupled weight decay), adam (decay in the gradient) or sgd (with <see cref="Momentum"/>).</summary>
    [Description("optimizer: adamw (decoupled weight decay), adam (weight decay in the gradient) or sgd (with train.momentum); state checkpointed exactly")]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adamw;

    /// <summary>SGD momentum.</summary>
    [Description("SGD momentum (train.optimizer: sgd)"), Range(0.0, 0.999999)]
    public double Momentum { get; set; } = 0.9;

    /// <summary>AdamW decoupled weight decay.</summary>
    [Description("AdamW weight decay"), Range(0.0, 1.0)]
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>AdamW beta1.</summary>
    [Description("AdamW beta1"), Range(0.0, 0.999999)]
    public double Beta1 { get; set; } = 0.9;

    /// <summary>AdamW beta2.</summary>
    [Description("AdamW beta2"), Range(0.0, 0.999999)]
    public double Beta2 { get; set; } = 0.98;

    /// <summary>Learning-rate decay after warm-up.</summary>
    [Description("decay after warm-up: cosine, linear or constant")]
    public LrSchedule Schedule { get; set; } = LrSchedule.Cosine;

    /// <summary>Linear warm-up steps.</summary>
    [Description("linear warm-up steps"), Range(0, 1_000_000)]
    public int WarmupSteps { get; set; } = 20;

    /// <summary>Optimiser steps.</summary>
    [Description("optimiser steps"), Range(1, 10_000_000)]
    public int MaxSteps { get; set; } = 300;

    /// <summary>Examples per forward pass.</summary>
    [Description("examples per forward pass"), Range(1, 4096)]
    public int MicroBatchSize { get; set; } = 4;

    /// <summary>Examples per optimiser step (a multiple of the micro batch).</summary>
    [Description("examples per optimiser step, a multiple of micro_batch_size"), Range(1, 1_048_576)]
    public int GlobalBatchSize { get; set; } = 8;

    /// <summary>Gradient-norm clip (0 disables).</summary>
    [Description("gradient-norm clip, 0 disables"), Range(0.0, 1e6)]
    public double GradClip { get; set; } = 1.0;

    /// <summary>Validate (and checkpoint) every this many steps.</summary>
    [Description("validate and checkpoint every N steps"), Range(1, 10_000_000)]
    public int ValCheckInterval { get; set; } = 50;

    /// <summary>Stop after this many validations without improvement (0 disables).</summary>
    [Description("validations without improvement before stopping, 0 disables"), Range(0, 1_000_000)]
    public int EarlyStoppingPatience { get; set; } = 10;

    /// <summary>Smallest validation-loss decrease that counts as improvement.</summary>
    [Description("smallest validation-loss decrease that counts"), Range(0.0, 1e6)]
    public double EarlyStoppingMinDelta { get; set; } = 0.001;

    /// <summary>Most recent checkpoints kept besides the best.</summary>
    [Description("recent checkpoints kept besides the best"), Range(1, 1000)]
    public int KeepLastCheckpoints { get; set; } = 2;

    /// <summary>Resume from the newest complete checkpoint.</summary>
    [Description("resume: auto or never")]
    public ResumeMode Resume { get; set; } = ResumeMode.Auto;

    /// <summary>Frozen-base compute dtype; adapters and optimiser state are always float32.</summary>
    [Description("frozen base compute dtype: auto (the faster of bf16 and f32 on this machine, probed once), bf16 or f32; adapters stay f32")]
    public ComputePrecision Precision { get; set; } = ComputePrecision.Auto;

    /// <summary>libtorch intra-op threads; 0 = the physical cores available to the process (affinity, cgroup quota).</summary>
    [Description("libtorch threads: 0 = the physical cores available to the process (affinity and cgroup quota)"), Range(0, 4096)]
    public int Threads { get; set; }

    /// <summary>Torch device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    [Description("torch device: cpu, cuda or cuda:N")]
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Decoder layers spread over several devices in this process, contiguous blocks balanced by the Plan's memory
    /// (embedding on the first, norm and LM head on the last): empty for just <see cref="Device"/>, a list such as
    /// <c>[cuda:0, cuda:1]</c>, or <c>[auto]</c> for every visible CUDA device.
    /// </summary>
    [Description("layers spread over devices: [] (just train.device), a list such as [cuda:0, cuda:1], or [auto] (every visible CUDA device)")]
    public List<string> Devices { get; set; } = [];

    /// <summary>What the backward pass recomputes instead of keeping (NeMo's granularity names).</summary>
    [Description("activations recomputed in backward instead of kept: none, selective (the attention core) or full (each decoder layer)")]
    public ActivationCheckpointing ActivationCheckpointing { get; set; } = ActivationCheckpointing.None;

    /// <summary>Answer tokens whose logits and cross-entropy are computed at once; 0 = all in one piece.</summary>
    [Description("answer tokens per LM-head chunk in the loss (logits never exceed chunk x vocab); 0 = one piece"), Range(0, 1_048_576)]
    public int LossChunkTokens { get; set; } = 1024;

    /// <summary>Examples per forward pass during validation.</summary>
    [Description("examples per forward pass during validation"), Range(1, 4096)]
    public int EvalBatchSize { get; set; } = 8;

    /// <summary>Take <c>sweep/best.yaml</c>'s winning overrides (learning rate, optimizer, LoRA rank/alpha).</summary>
    [Description("take the Sweep stage's winning overrides from sweep/best.yaml (run ./build.sh --target=Sweep first)")]
    public bool FromSweep { get; set; }

    /// <summary>Which trainer runs: ours, or TRL from a generated bundle.</summary>
    [Description("lora (ours, in process) or trl (a generated transformers + peft + trl bundle under train/engine/)")]
    public TrainEngine Engine { get; set; } = TrainEngine.Lora;

    /// <summary>Where the engine runs (not part of the fingerprint: the same training wherever it runs).</summary>
    [Description("local, slurm (our trainer as an sbatch job, train.slurm) or kubernetes (a Kubeflow PyTorchJob for the trl bundle)")]
    public TrainLauncher Launcher { get; set; } = TrainLauncher.Local;

    /// <summary>Machines, GPUs and sharding of an external engine.</summary>
    public DistributedOptions Distributed { get; set; } = new();

    /// <summary>The Kubernetes job (<c>train.launcher: kubernetes</c>).</summary>
    public KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>The Slurm batch job (<c>train.launcher: slurm</c>).</summary>
    public SlurmOptions Slurm { get; set; } = new();
}
