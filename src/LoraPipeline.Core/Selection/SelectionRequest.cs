using LoraPipeline.Benchmarking;
using LoraPipeline.Sizing;

namespace LoraPipeline.Selection;

/// <summary>What <c>lora select</c> is asked.</summary>
/// <param name="Target">Latency and throughput targets.</param>
/// <param name="Dev">Development (training) hardware.</param>
/// <param name="Prod">Production (serving) hardware.</param>
/// <param name="Workload">Prompt and answer tokens per request, serving precision.</param>
/// <param name="Training">Training settings for the fit check (sequence length, rank, targets, dtype).</param>
/// <param name="Licenses">Allowed licence identifiers, or empty for any.</param>
internal sealed record SelectionRequest(UseCaseTarget Target, HardwareSpec Dev, HardwareSpec Prod, ServingWorkload Workload,
    SizingInputs Training, IReadOnlyList<string> Licenses);
