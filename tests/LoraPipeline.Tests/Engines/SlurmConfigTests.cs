using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Engines;

/// <summary><c>train.launcher: slurm</c> without a cluster: the <c>train.slurm</c> checks, the batch script, and reading job states.</summary>
public class SlurmConfigTests
{
    private static PipelineConfig Load(params string[] sets) =>
        ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"), ["train.launcher=slurm", .. sets]);

    private static string CheckError(params string[] sets) =>
        Assert.Throws<ConfigException>(() => new TrainStage().CheckConfig(Load(sets)))!.Message;

    [TestCase("train.slurm.time_limit=4h", "train.slurm.time_limit", "HH:MM:SS")]
    [TestCase("train.slurm.mem=lots", "train.slurm.mem", "64G")]
    [TestCase("train.slurm.partition='gpu a100'", "train.slurm.partition", "white space")]
    [TestCase("train.slurm.extra_args=[constraint=a100]", "train.slurm.extra_args", "--constraint=a100")]
    [TestCase("train.slurm.extra_args=[--output=/tmp/x.log]", "train.slurm.extra_args", "set by the Train stage")]
    [TestCase("train.device=cuda", "train.slurm.gpus", "no GPU")]
    [TestCase("train.engine=trl", "train.launcher", "our own trainer")]
    public void ABadSlurmValueIsOneErrorNamingItsKey(string set, string key, string hint)
    {
        var message = CheckError(set);
        Assert.That(message, Does.Contain(key).And.Contain(hint));
        Assert.That(message, Does.Contain("--set ").Or.Contain("default.yaml"), "names where the value came from");
    }

    [Test]
    public void GoodSlurmValuesPass()
    {
        var config = Load("train.slurm.time_limit=1-12:00:00", "train.slurm.mem=64G", "train.slurm.partition=gpu", "train.device=cuda",
            "train.slurm.gpus=1", "train.slurm.extra_args=[--constraint=a100, --exclusive]");
        Assert.DoesNotThrow(() => new TrainStage().CheckConfig(config));
        Assert.DoesNotThrow(() => new TrainStage().CheckConfig(Load("train.slurm.time_limit=90")));
    }

    [Test]
    public void ARangeIsCheckedByTheLoader()
    {
        var error = Assert.Throws<ConfigException>(() => Load("train.slurm.poll_interval_seconds=0"))!;
        Assert.That(error.Message, Does.Contain("train.slurm.poll_interval_seconds"));
    }

    [Test]
    public void WhereTrainingRunsIsNotPartOfTheFingerprint()
    {
        var stage = new TrainStage();
        string Section(PipelineConfig config) => ConfigJson.Serialize(stage.ConfigSection(config));
        var local = ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"));
        Assert.That(Section(Load("train.slurm.partition=gpu", "train.slurm.time_limit=10", "train.slurm.poll_interval_seconds=1")), Is.EqualTo(Section(local)));
    }

    [Test]
    public void TheScriptCarriesEveryConfiguredOptionAndRunsOurTrainCommand()
    {
        var config = Load("train.slurm.partition=gpu", "train.slurm.account=proj7", "train.slurm.qos=high", "train.slurm.time_limit=04:00:00",
            "train.slurm.gpus=2", "train.slurm.cpus_per_task=8", "train.slurm.mem=64G", "train.slurm.job_name=adapter-x",
            "train.slurm.requeue=false", "train.slurm.stop_before_limit_seconds=300", "train.slurm.extra_args=[--constraint=a100]",
            "train.slurm.setup=['module load dotnet']");
        var files = new SlurmJobFiles("/shared/art/.scratch/train-0123/slurm", "/shared/repo", "/shared/art", new string('a', 64), "/opt/lora/lora");
        var text = SlurmScript.Text(config, files);
        var options = text.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..]).ToList();
        Assert.That(options, Is.SupersetOf(new[]
        {
            "--partition=gpu", "--account=proj7", "--qos=high", "--time=04:00:00", "--gpus=2", "--cpus-per-task=8", "--mem=64G",
            "--job-name=adapter-x", "--no-requeue", "--signal=B:TERM@300", "--constraint=a100", "--chdir=/shared/repo",
            "--output=/shared/art/.scratch/train-0123/slurm/slurm-%j.log", "--open-mode=append", "--nodes=1", "--ntasks=1",
        }));
        var lines = text.Split('\n');
        Assert.That(Array.IndexOf(lines, "module load dotnet"), Is.GreaterThan(Array.FindLastIndex(lines, l => l.StartsWith("#SBATCH", StringComparison.Ordinal))),
            "setup runs after the #SBATCH block (sbatch reads options only before the first command)");
        Assert.That(lines.Single(l => l.StartsWith("exec ", StringComparison.Ordinal)), Is.EqualTo(
            $"exec /opt/lora/lora 'train' '--config' '/shared/art/.scratch/train-0123/slurm/config.json' '--artifacts' '/shared/art' '--slurm-payload' '{new string('a', 64)}' '--threads' '8'"));
        Assert.That(SlurmScript.Text(Load(), files), Does.Contain("#SBATCH --requeue\n").And.Not.Contain("--signal").And.Not.Contain("--partition"));
    }

    [Test]
    public void AResolvedConfigWrittenForTheNodeReadsBackToTheSameValues()
    {
        using var temp = new TempDirectory("slurm-config");
        var config = Load("train.max_steps=7", "train.slurm.setup=['echo \"a b\"']", "lora.target_modules=[q_proj, '.*\\.v_proj']");
        var path = temp.Combine("config.json");
        File.WriteAllText(path, ConfigJson.Serialize(config));
        Assert.That(ConfigJson.Serialize(ConfigLoader.Load(path)), Is.EqualTo(ConfigJson.Serialize(config)));
    }

    // One line of `scontrol show job -o` from Debian 12's Slurm 22.05 (tools/slurm/start-local-cluster.sh), a job requeued once.
    private const string Scontrol =
        "JobId=4 JobName=my job UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901756 Nice=0 Account=(null) QOS=(null) " +
        "JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=143:0 RunTime=00:00:01 " +
        "TimeLimit=UNLIMITED AllocNode:Sid=localhost:7657 NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* " +
        "Command=/tmp/slurmtry/j.sh WorkDir=/tmp/slurmtry StdOut=/tmp/slurmtry/log-4.txt Power=";

    [Test]
    public void ScontrolAndSacctLinesAreRead()
    {
        var state = SlurmJobState.FromScontrol(Scontrol)!;
        Assert.That(state, Is.EqualTo(new SlurmJobState("CANCELLED", "None", 143, 0, 1, "vm")));
        Assert.That(state.HasEnded, Is.True);
        Assert.That(SlurmJobState.FromScontrol("slurm_load_jobs error: Invalid job id specified"), Is.Null);
        Assert.That(SlurmJobState.FromSacct("CANCELLED by 0|0:15|vm"), Is.EqualTo(new SlurmJobState("CANCELLED", "None", 0, 15, 0, "vm")));
        Assert.That(new SlurmJobState("PENDING", "BeginTime", 0, 0, 1, "(null)").HasEnded, Is.False, "a requeued job waits again");
    }

    [TestCase("COMPLETED", 0, null)]
    [TestCase("CANCELLED", 0, "Interrupted")]
    [TestCase("PREEMPTED", 0, "Interrupted")]
    [TestCase("FAILED", 2, "ConfigError")]
    [TestCase("FAILED", 130, "Interrupted")]
    [TestCase("FAILED", 1, "Failed")]
    [TestCase("TIMEOUT", 0, "Failed")]
    [TestCase("OUT_OF_MEMORY", 0, "Failed")]
    [TestCase("NODE_FAIL", 0, "Failed")]
    public void EndStatesMapToOurExitCodes(string state, int exitCode, string? end) =>
        Assert.That(new SlurmJobState(state, "None", exitCode, 0, 0, "vm").Outcome()?.End.ToString(), Is.EqualTo(end));
}
