using System.Text.RegularExpressions;
using LoraPipeline.Configuration;

namespace LoraPipeline.Engines;

/// <summary>Checks the <c>train.slurm</c> values sbatch would otherwise refuse only at submission, naming the key.</summary>
internal static partial class SlurmOptionsCheck
{
    // Options the Train stage sets itself: it follows the log it names and runs one trainer process.
    private static readonly string[] Owned = ["--output", "--error", "--open-mode", "--chdir", "--nodes", "--ntasks", "--array", "--parsable", "--wrap"];

    /// <summary>Throws <see cref="ConfigException"/> for the first bad <c>train.slurm</c> value.</summary>
    public static void Check(PipelineConfig config)
    {
        var slurm = config.Train.Slurm;
        foreach (var (key, value) in new[] { ("partition", slurm.Partition), ("account", slurm.Account), ("qos", slurm.Qos), ("job_name", slurm.JobName) })
            if (value.Any(char.IsWhiteSpace) || value.Contains(','))
                throw config.Problem($"train.slurm.{key}", $"'{value}' holds white space or a comma; name one {key.Replace('_', ' ')}");
        if (slurm.JobName.Length == 0) throw config.Problem("train.slurm.job_name", "is empty; name the job, e.g. lora-train");
        if (slurm.TimeLimit.Length > 0 && !TimeLimitPattern().IsMatch(slurm.TimeLimit))
            throw config.Problem("train.slurm.time_limit", $"'{slurm.TimeLimit}' is not a Slurm time; write minutes (90), HH:MM:SS (04:00:00) or D-HH:MM:SS (1-12:00:00)");
        if (slurm.Mem.Length > 0 && !MemoryPattern().IsMatch(slurm.Mem))
            throw config.Problem("train.slurm.mem", $"'{slurm.Mem}' is not a Slurm memory size; write a number with K, M, G or T, e.g. 64G");
        foreach (var argument in slurm.ExtraArgs)
        {
            if (!argument.StartsWith('-') || argument.Any(char.IsWhiteSpace))
                throw config.Problem("train.slurm.extra_args", $"'{argument}' is not one sbatch option; write each as --name=value without spaces, e.g. --constraint=a100");
            var name = argument.Split('=')[0];
            if (Owned.Contains(name))
                throw config.Problem("train.slurm.extra_args", $"'{argument}': {name} is set by the Train stage (it follows the job's log and runs one trainer); remove it");
        }
        if (config.Train.Launcher == TrainLauncher.Slurm && config.Train.Device.StartsWith("cuda", StringComparison.Ordinal) && slurm.Gpus == 0
            && !slurm.ExtraArgs.Any(a => a.Contains("gpu", StringComparison.OrdinalIgnoreCase) || a.StartsWith("--gres", StringComparison.Ordinal)))
            throw config.Problem("train.slurm.gpus", $"is 0 while train.device is {config.Train.Device}: the job would get no GPU; set train.slurm.gpus (or a --gres option in train.slurm.extra_args)");
    }

    [GeneratedRegex(@"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$", RegexOptions.IgnoreCase)]
    private static partial Regex TimeLimitPattern();

    [GeneratedRegex(@"^\d+[KMGT]?$", RegexOptions.IgnoreCase)]
    private static partial Regex MemoryPattern();
}
