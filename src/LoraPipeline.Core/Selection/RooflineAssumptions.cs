namespace LoraPipeline.Selection;

/// <summary>
/// The stated assumptions of the roofline for catalogue GPUs, printed with every estimate. They describe a tuned
/// serving stack (vLLM or TensorRT-LLM: fused kernels, CUDA graphs, paged KV cache), not our TorchSharp code.
/// </summary>
internal static class RooflineAssumptions
{
    /// <summary>Share of the HBM bandwidth a decode step streams weights and KV cache at (tuned stacks reach 0.7–0.9).</summary>
    public const double GpuMemoryEfficiency = 0.8;

    /// <summary>Share of the dense tensor-core peak a large matrix product reaches.</summary>
    public const double GpuComputeEfficiency = 0.6;

    /// <summary>Launch and synchronisation time per decoder layer and step with CUDA graphs.</summary>
    public const double GpuLayerOverheadSeconds = 10e-6;

    /// <summary>Time per step outside the layers: sampling, scheduling, host round trip.</summary>
    public const double GpuStepOverheadSeconds = 300e-6;

    /// <summary>Fixed latency of one all-reduce across the tensor-parallel group.</summary>
    public const double AllReduceLatencySeconds = 8e-6;

    /// <summary>Share of device memory a serving stack leaves to weights and KV cache (vLLM's default gpu_memory_utilization).</summary>
    public const double ServingMemoryShare = 0.9;

    /// <summary>The assumptions in words, for reports.</summary>
    public static IReadOnlyList<string> Describe() =>
    [
        $"decode step = max(bytes read / (bandwidth × {GpuMemoryEfficiency}), FLOPs / (peak × {GpuComputeEfficiency})) + tensor-parallel all-reduces + {GpuLayerOverheadSeconds * 1e6:0} µs per layer + {GpuStepOverheadSeconds * 1e6:0} µs per step",
        "bytes read per step: the weights but an untied input embedding (for a mixture of experts, the experts the batch is routed to under uniform routing) and every sequence's KV cache; split evenly over the tensor-parallel GPUs",
        "FLOPs per generated token: 2 × active parameters + 4 × layers × heads × head_dim × context (attention); prefill the same per prompt token with causal attention",
        $"tensor parallelism: 2 all-reduces per layer of batch × hidden elements, ring algorithm 2(t−1)/t × bytes over the GPU link + {AllReduceLatencySeconds * 1e6:0} µs each",
        $"memory: {ServingMemoryShare:P0} of each GPU for weights + KV cache + prefill workspace (vLLM's gpu_memory_utilization default); replicas = GPUs / tensor-parallel degree, each with its own batch",
        "this-machine: a linear layer's weight-streaming rate, the matmul peak and the per-layer decode overhead measured here, by batch size where the bench measures them (efficiency 1, no tensor parallelism)",
    ];
}
