using LoraPipeline.Configuration;
using LoraPipeline.Sizing;

namespace LoraPipeline.Selection;

/// <summary>The inputs of a selection as the user writes them (CLI options or the config's <c>select</c> section).</summary>
internal sealed record SelectionSettings
{
    /// <summary><c>chatbot</c>, <c>assistant</c>, <c>batch</c>, or null with explicit targets.</summary>
    public string? UseCase { get; init; }
    /// <summary>Development hardware, e.g. <c>1xA100-80GB</c> or <c>this-machine</c>.</summary>
    public required string Dev { get; init; }
    /// <summary>Production hardware, e.g. <c>2xH200</c>.</summary>
    public required string Prod { get; init; }
    /// <summary>Prompt tokens per request (question and retrieved passages).</summary>
    public int PromptTokens { get; init; } = 1024;
    /// <summary>Generated tokens per request.</summary>
    public int NewTokens { get; init; } = 256;
    /// <summary>Training sequence length for the fit check (default prompt + answer).</summary>
    public int? TrainSeqLength { get; init; }
    /// <summary><c>bf16</c>, <c>fp8</c> or <c>f32</c>.</summary>
    public string Precision { get; init; } = "bf16";
    /// <summary>Allowed licences (empty: any).</summary>
    public IReadOnlyList<string> Licenses { get; init; } = [];
    /// <summary>Candidate names to consider (empty: the whole catalogue).</summary>
    public IReadOnlyList<string> Candidates { get; init; } = [];
    /// <summary>A folder with <c>models.json</c> and <c>gpus.json</c> replacing the shipped catalogue.</summary>
    public string? Catalogue { get; init; }
    /// <summary>Explicit per-token latency bound (ms).</summary>
    public double? MaxTokenMs { get; init; }
    /// <summary>Explicit time-to-first-token bound (ms).</summary>
    public double? MaxFirstTokenMs { get; init; }
    /// <summary>Explicit throughput floor (generated tokens/s).</summary>
    public double? MinTokensPerSecond { get; init; }

    /// <summary>
    /// Resolves everything against the catalogue; <paramref name="training"/> gives LoRA rank and targets.
    /// Throws <see cref="SelectionException"/> naming the bad input.
    /// </summary>
    public (SelectionRequest Request, IReadOnlyList<CatalogueModel> Candidates) Resolve(Catalogue catalogue, PipelineConfig training, Func<GpuProfile> thisMachine)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        if (PromptTokens < 1) throw new SelectionException($"prompt tokens must be positive, got {PromptTokens}");
        if (NewTokens < 2) throw new SelectionException($"new tokens must be at least 2, got {NewTokens}");
        var precision = Precision.ToLowerInvariant() switch
        {
            "bf16" => ServingPrecision.Bf16,
            "fp8" => ServingPrecision.Fp8,
            "f32" => ServingPrecision.F32,
            _ => throw new SelectionException($"precision: '{Precision}' is not one of bf16, fp8, f32"),
        };
        var target = SelectionTargets.Resolve(UseCase, MaxTokenMs, MaxFirstTokenMs, MinTokensPerSecond);
        var dev = HardwareSpec.Parse(Dev, catalogue, thisMachine, "dev");
        var prod = HardwareSpec.Parse(Prod, catalogue, thisMachine, "prod");
        if (prod.Gpu.PeakFlops(precision) is null)
            throw new SelectionException($"prod: {prod.Gpu.Name} has no {Precision} tensor cores; use precision bf16");
        var unknown = Candidates.Where(n => !catalogue.Models.Any(m => string.Equals(m.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
            throw new SelectionException($"candidates: unknown model(s) {string.Join(", ", unknown)}; the catalogue has {string.Join(", ", catalogue.Models.Select(m => m.Name))}");
        var models = Candidates.Count == 0
            ? catalogue.Models
            : catalogue.Models.Where(m => Candidates.Contains(m.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var workload = new ServingWorkload(PromptTokens, NewTokens, precision);
        var inputs = SizingInputs.FromConfig(training) with
        {
            SeqLength = TrainSeqLength ?? workload.ContextLength,
            MicroBatchSize = 1,
            Dtype = dev.Gpu.IsGpu ? DType.Bf16 : DType.F32,
        };
        return (new SelectionRequest(target, dev, prod, workload, inputs, Licenses), models);
    }
}
