using System.ComponentModel;

namespace LoraPipeline.Configuration;

/// <summary>The <c>select</c> section: the Select stage's use case and hardware (<c>lora select</c>'s options).</summary>
internal sealed class SelectOptions
{
    /// <summary>chatbot, assistant or batch (or null with explicit bounds).</summary>
    [Description("chatbot (< 100 ms/token, first token < 500 ms), assistant (< 200 ms, < 1 s) or batch (>= 100 tokens/s)")]
    public string? UseCase { get; set; } = "chatbot";

    /// <summary>Development hardware.</summary>
    [Description("development (training) hardware: COUNTxGPU (e.g. 1xA100-80GB) or this-machine; required by Select")]
    public string? Dev { get; set; }

    /// <summary>Production hardware.</summary>
    [Description("production (serving) hardware: COUNTxGPU (e.g. 2xH200) or this-machine; required by Select")]
    public string? Prod { get; set; }

    /// <summary>Prompt tokens per request.</summary>
    [Description("prompt tokens per request (question + retrieved passages)")]
    public int PromptTokens { get; set; } = 1024;

    /// <summary>Generated tokens per request.</summary>
    [Description("generated tokens per request")]
    public int NewTokens { get; set; } = 256;

    /// <summary>Training sequence length for the fit check.</summary>
    [Description("training sequence length for the fit check (default prompt_tokens + new_tokens)")]
    public int? TrainSeqLen { get; set; }

    /// <summary>Serving precision.</summary>
    [Description("serving precision: bf16, fp8 or f32")]
    public string Precision { get; set; } = "bf16";

    /// <summary>Allowed licences.</summary>
    [Description("allowed licence ids (empty: any)")]
    public List<string> Licenses { get; set; } = [];

    /// <summary>Candidate names.</summary>
    [Description("catalogue names to consider (empty: all)")]
    public List<string> Candidates { get; set; } = [];

    /// <summary>A replacement catalogue folder.</summary>
    [Description("folder with models.json and gpus.json replacing the shipped configs/catalogue")]
    public string? Catalogue { get; set; }

    /// <summary>Per-token latency bound.</summary>
    [Description("per-token latency bound in ms, replacing the use case's")]
    public double? MaxTokenMs { get; set; }

    /// <summary>Time-to-first-token bound.</summary>
    [Description("time-to-first-token bound in ms, replacing the use case's")]
    public double? MaxFirstTokenMs { get; set; }

    /// <summary>Throughput floor.</summary>
    [Description("throughput floor in generated tokens/s over all replicas")]
    public double? MinTokensPerSecond { get; set; }
}
