using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>train.slurm</c> section: the batch job written and submitted for <c>train.launcher: slurm</c>.</summary>
internal sealed class SlurmOptions
{
    /// <summary>Partition (<c>--partition</c>); empty = the cluster's default.</summary>
    [Description("partition (sbatch --partition); empty = the cluster's default")]
    public string Partition { get; set; } = "";

    /// <summary>Account charged (<c>--account</c>); empty = the user's default.</summary>
    [Description("account charged (sbatch --account); empty = your default")]
    public string Account { get; set; } = "";

    /// <summary>Quality of service (<c>--qos</c>); empty = the default.</summary>
    [Description("quality of service (sbatch --qos); empty = the default")]
    public string Qos { get; set; } = "";

    /// <summary>Wall-clock limit in Slurm's form (<c>--time</c>): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.</summary>
    [Description("wall-clock limit (sbatch --time): minutes, HH:MM:SS or D-HH:MM:SS; empty = the partition's")]
    public string TimeLimit { get; set; } = "";

    /// <summary>GPUs for the job (<c>--gpus</c>); 0 asks for none.</summary>
    [Description("GPUs for the job (sbatch --gpus); 0 asks for none (train.device: cpu)"), Range(0, 64)]
    public int Gpus { get; set; }

    /// <summary>CPUs for the trainer (<c>--cpus-per-task</c>, and libtorch's threads when <c>train.threads</c> is 0); 0 = Slurm's default.</summary>
    [Description("CPUs for the trainer (sbatch --cpus-per-task; also its libtorch threads when train.threads is 0); 0 = Slurm's default"), Range(0, 4096)]
    public int CpusPerTask { get; set; }

    /// <summary>Memory per node (<c>--mem</c>), e.g. <c>64G</c>; empty = the partition's default.</summary>
    [Description("memory per node (sbatch --mem), e.g. 64G; empty = the partition's default")]
    public string Mem { get; set; } = "";

    /// <summary>Job name (<c>--job-name</c>).</summary>
    [Description("job name (sbatch --job-name)")]
    public string JobName { get; set; } = "lora-train";

    /// <summary>Let Slurm requeue the job after pre-emption or a node failure (<c>--requeue</c>); it resumes from the last checkpoint.</summary>
    [Description("let Slurm requeue a pre-empted or failed-node job (sbatch --requeue / --no-requeue); it resumes from the last checkpoint")]
    public bool Requeue { get; set; } = true;

    /// <summary>Seconds before the time limit at which the trainer is asked to stop with a checkpoint (<c>--signal=B:TERM@N</c>); 0 = none.</summary>
    [Description("seconds before the time limit at which the trainer gets SIGTERM and checkpoints (sbatch --signal=B:TERM@N); 0 = none"), Range(0, 86_400)]
    public int StopBeforeLimitSeconds { get; set; } = 120;

    /// <summary>Further <c>#SBATCH</c> options, one per entry, e.g. <c>--constraint=a100</c>.</summary>
    [Description("further sbatch options, one per entry, e.g. [--constraint=a100, --exclusive]")]
    public List<string> ExtraArgs { get; set; } = [];

    /// <summary>Shell lines run on the node before the trainer, e.g. <c>module load dotnet</c>.</summary>
    [Description("shell lines run on the node before the trainer, e.g. [module load dotnet]")]
    public List<string> Setup { get; set; } = [];

    /// <summary>How the node starts <c>lora</c>; empty = the way this process was started (the same dotnet and lora.dll).</summary>
    [Description("how the node starts lora, e.g. /opt/lora/lora; empty = as this process was started (same dotnet and lora.dll, so a shared filesystem)")]
    public string LoraCommand { get; set; } = "";

    /// <summary>Seconds between looks at the job's state and log.</summary>
    [Description("seconds between looks at the job's state and log"), Range(0.1, 3600.0)]
    public double PollIntervalSeconds { get; set; } = 5;
}
