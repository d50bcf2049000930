using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>lora</c> section: adapter rank, scale and where it is injected.</summary>
internal sealed class LoraOptions
{
    /// <summary>Rank r.</summary>
    [Description("rank r"), Range(1, 4096)]
    public int R { get; set; } = 16;

    /// <summary>Scale numerator: the update is scaled by alpha/r (or alpha/sqrt(r) with rsLoRA).</summary>
    [Description("alpha: scale alpha/r, or alpha/sqrt(r) with use_rslora"), Range(1e-6, 1e6)]
    public double Alpha { get; set; } = 32;

    /// <summary>Dropout on the adapter input.</summary>
    [Description("dropout on the adapter input"), Range(0.0, 0.99)]
    public double Dropout { get; set; } = 0.05;

    /// <summary>Module short names or regular expressions to adapt.</summary>
    [Description("modules to adapt: short names such as q_proj, or regular expressions")]
    public List<string> TargetModules { get; set; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Use rank-stabilised scaling alpha/sqrt(r).</summary>
    [Description("rank-stabilised scaling alpha/sqrt(r)")]
    public bool UseRslora { get; set; }
}
