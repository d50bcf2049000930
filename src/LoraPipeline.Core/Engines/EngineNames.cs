namespace LoraPipeline.Engines;

/// <summary>The files of an engine bundle (<c>train/engine/</c>), relative to the bundle folder.</summary>
internal static class EngineNames
{
    /// <summary>The bundle folder inside the Train stage's output.</summary>
    public const string BundleFolder = "engine";

    /// <summary>Training examples in TRL's prompt/completion JSONL.</summary>
    public const string TrainData = "data/train.jsonl";

    /// <summary>Validation examples in TRL's prompt/completion JSONL.</summary>
    public const string ValidData = "data/valid.jsonl";

    /// <summary>The Python entry script (transformers + peft + trl).</summary>
    public const string EntryScript = "train_trl.py";

    /// <summary>The launch script (<c>accelerate launch</c>).</summary>
    public const string LaunchScript = "launch.sh";

    /// <summary>accelerate's config: distributed type, machines, processes.</summary>
    public const string AccelerateConfig = "accelerate_config.yaml";

    /// <summary>The SHA-256 of every input of the bundle.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The Kubeflow PyTorchJob (<c>train.launcher: kubernetes</c>).</summary>
    public const string KubernetesJob = "pytorchjob.yaml";

    /// <summary>Where the engine writes its checkpoints and the final adapter.</summary>
    public const string OutputFolder = "output";

    /// <summary>The final (best) adapter, inside <see cref="OutputFolder"/>.</summary>
    public const string AdapterFolder = "output/adapter";

    /// <summary>The trainer's log history (loss, learning rate, validation loss by step), inside <see cref="OutputFolder"/>.</summary>
    public const string LogHistory = "output/log_history.json";
}
