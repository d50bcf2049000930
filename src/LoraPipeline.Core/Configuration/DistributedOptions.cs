using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>train.distributed</c> section: how an external engine (<c>train.engine: trl</c>) spreads over machines.</summary>
internal sealed class DistributedOptions
{
    /// <summary>Sharding strategy handed to <c>accelerate</c>.</summary>
    [Description("ddp, fsdp, deepspeed_zero2 or deepspeed_zero3 (accelerate's distributed type)")]
    public DistributedStrategy Strategy { get; set; } = DistributedStrategy.Ddp;

    /// <summary>Machines.</summary>
    [Description("machines (nodes)"), Range(1, 4096)]
    public int Nodes { get; set; } = 1;

    /// <summary>GPUs (processes) per machine.</summary>
    [Description("GPUs (processes) per machine"), Range(1, 64)]
    public int GpusPerNode { get; set; } = 1;

    /// <summary>Python interpreter that runs the engine.</summary>
    [Description("Python interpreter with torch, transformers, peft, trl, accelerate and datasets")]
    public string Python { get; set; } = "python3";
}
