using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>bench</c> section: the Benchmark stage's grid (small by default; the whitepaper's full grid is
/// batch sizes [1, 2, 4, 8, 16] and prompt lengths [128, 1024]).</summary>
internal sealed class BenchOptions
{
    /// <summary>Batch sizes to measure.</summary>
    [Description("batch sizes to measure, e.g. [1, 2, 4, 8, 16]")]
    public List<int> BatchSizes { get; set; } = [1, 2, 4];

    /// <summary>Prompt lengths in tokens.</summary>
    [Description("prompt lengths in tokens, e.g. [128, 1024]")]
    public List<int> PromptLengths { get; set; } = [32, 128];

    /// <summary>Tokens generated per sequence.</summary>
    [Description("tokens generated per sequence"), Range(2, 65536)]
    public int NewTokens { get; set; } = 16;
}
