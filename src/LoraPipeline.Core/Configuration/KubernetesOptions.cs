using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>train.kubernetes</c> section: the Kubeflow <c>PyTorchJob</c> written for <c>train.launcher: kubernetes</c>.</summary>
internal sealed class KubernetesOptions
{
    /// <summary>kubectl context; empty = the current context, if any.</summary>
    [Description("kubectl context; empty = kubectl's current context (none configured: the manifest is only written)")]
    public string Context { get; set; } = "";

    /// <summary>Namespace of the job.</summary>
    [Description("namespace of the PyTorchJob")]
    public string Namespace { get; set; } = "default";

    /// <summary>Container image with Python, torch, transformers, peft, trl, accelerate and datasets.</summary>
    [Description("container image with torch, transformers, peft, trl, accelerate and datasets")]
    public string Image { get; set; } = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime";

    /// <summary>PersistentVolumeClaim that holds the artifacts folder, mounted at the same path in every pod.</summary>
    [Description("PersistentVolumeClaim holding the artifacts folder, mounted at the same path in the pods")]
    public string VolumeClaim { get; set; } = "lora-artifacts";

    /// <summary>Seconds to wait for the job to finish after applying it.</summary>
    [Description("seconds to wait for the applied job to succeed"), Range(1, 10_000_000)]
    public int TimeoutSeconds { get; set; } = 86_400;
}
