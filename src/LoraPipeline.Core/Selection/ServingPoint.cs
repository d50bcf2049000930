using LoraPipeline.Benchmarking;

namespace LoraPipeline.Selection;

/// <summary>The estimate for one production configuration.</summary>
/// <param name="Gpus">GPUs used.</param>
/// <param name="TensorParallel">Tensor-parallel degree of each replica.</param>
/// <param name="Replicas">Independent copies of the model (Gpus / TensorParallel).</param>
/// <param name="Batch">Sequences decoded together per replica.</param>
/// <param name="TokenMilliseconds">Per-token latency: one decoding step.</param>
/// <param name="FirstTokenMilliseconds">Time to first token: the prompt pass of the batch.</param>
/// <param name="TokensPerSecond">Generated tokens/s over all replicas, prefill included (as the Benchmark stage counts them).</param>
/// <param name="MaxBatch">Largest batch per replica whose KV cache fits at the context length.</param>
/// <param name="Bound">What bounds the decoding step.</param>
internal sealed record ServingPoint(int Gpus, int TensorParallel, int Replicas, int Batch, double TokenMilliseconds,
    double FirstTokenMilliseconds, double TokensPerSecond, int MaxBatch, string Bound)
{
    /// <summary>As a benchmark point, so that <see cref="UseCaseTarget.IsMetBy"/> judges estimate and measurement alike.</summary>
    public BenchPoint AsBenchPoint(int promptTokens, int newTokens) =>
        new(Batch * Replicas, promptTokens, newTokens, FirstTokenMilliseconds, TokenMilliseconds, TokensPerSecond);
}
