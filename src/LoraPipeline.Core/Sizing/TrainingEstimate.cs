using LoraPipeline.Modeling;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;

namespace LoraPipeline.Sizing;

/// <summary>Memory of one LoRA training replica, by part (bytes), before framework overhead.</summary>
/// <param name="FrozenParameters">Parameters of the base model.</param>
/// <param name="FrozenWeightBytes">Frozen weights in the training dtype, or 4-bit decoder projections plus the rest in that dtype (QLoRA).</param>
/// <param name="AdapterParameters">LoRA parameters: layers × Σ r·(in + out) over the adapted projections.</param>
/// <param name="AdapterWeightBytes">Adapter weights in float32 (4 bytes each).</param>
/// <param name="AdapterGradientBytes">Their float32 gradients.</param>
/// <param name="OptimizerStateBytes">The optimizer's float32 state: two moments (Adam, AdamW) or one momentum buffer (SGD).</param>
/// <param name="ActivationBytes">Activations kept for backward (see <see cref="ActivationModel"/>).</param>
/// <param name="Checkpointing">What the backward pass recomputes.</param>
/// <param name="DequantizationBytes">QLoRA: the largest projection dequantized at once, with its transient buffers (0 for a full-precision base).</param>
internal sealed record TrainingEstimate(
    long FrozenParameters,
    long FrozenWeightBytes,
    long AdapterParameters,
    long AdapterWeightBytes,
    long AdapterGradientBytes,
    long OptimizerStateBytes,
    long ActivationBytes,
    ActivationCheckpointing Checkpointing,
    long DequantizationBytes = 0)
{
    /// <summary>All tensors of one replica.</summary>
    public long TensorBytes => FrozenWeightBytes + AdapterWeightBytes + AdapterGradientBytes + OptimizerStateBytes + ActivationBytes + DequantizationBytes;

    /// <summary>Bytes on each of <paramref name="tensorParallel"/> GPUs: tensors split evenly (weights, adapter state,
    /// and activations, assuming sequence parallelism), plus workspace and the per-GPU constant.</summary>
    public long PerGpuBytes(int tensorParallel) =>
        FrameworkOverhead.DeviceBytes(CeilDiv(TensorBytes, tensorParallel));

    /// <summary>Float32 optimizer state per adapter parameter: two moments for Adam and AdamW, a momentum buffer for SGD, none
    /// for SGD without momentum (what <c>AdapterOptimizer</c> and <c>torch.optim</c> keep).</summary>
    public static int OptimizerStateBytesPerParameter(OptimizerKind optimizer, double momentum) =>
        optimizer != OptimizerKind.Sgd ? 8 : momentum != 0 ? 4 : 0;

    /// <summary>Estimates a replica for <paramref name="config"/> and <paramref name="inputs"/>.</summary>
    public static TrainingEstimate Compute(ModelConfig config, SizingInputs inputs)
    {
        var parameters = config.ParameterCount();
        var adapters = inputs.Scheme == PeftScheme.Ptuning
            ? inputs.PromptEncoderParameters(config.HiddenSize)
            : AdapterShapes.ParameterCount(config, inputs.TargetModules, inputs.LoraR);
        var quantized = inputs.Quantization == WeightQuantization.Nf4;
        return new TrainingEstimate(
            parameters,
            quantized ? QuantizedWeights.FrozenBytes(config, inputs.ElementBytes, inputs.FullPrecisionProjectionParameters) : parameters * inputs.ElementBytes,
            adapters,
            4 * adapters,
            4 * adapters,
            OptimizerStateBytesPerParameter(inputs.Optimizer, inputs.Momentum) * adapters,
            ActivationModel.TrainingBytes(config, inputs),
            inputs.Checkpointing,
            quantized ? QuantizedWeights.DequantizeWorkspace(config, inputs.ElementBytes) : 0);
    }

    /// <summary>
    /// Tensor bytes of one training step in a single process: <see cref="TensorBytes"/> plus the allocator workspace
    /// share of <see cref="FrameworkOverhead"/> (no device constant). This is what <c>lora bench memory --training</c>
    /// compares with the measured peak resident increase.
    /// </summary>
    public static long StepProcessBytes(ModelConfig config, SizingInputs inputs)
    {
        var tensors = Compute(config, inputs).TensorBytes;
        return tensors + FrameworkOverhead.Workspace(tensors);
    }

    internal static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
