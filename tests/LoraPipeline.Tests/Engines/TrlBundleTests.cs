using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Engines;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Tests.Engines;

/// <summary>
/// <c>train.engine: trl</c> through the real CLI on the built-in tiny model: the bundle is written even where Python lacks the
/// packages, and its content is checked against the config (golden-free: every expected value is read from the same config),
/// the prepared splits and independently computed SHA-256s. The Kubernetes launcher's PyTorchJob is checked the same way.
/// </summary>
[Category("Integration")]
public class TrlBundleTests
{
    // Every value differs from the default, so a mapping that ignored the config would show.
    private static readonly string[] Settings =
    [
        "train.engine=trl", "train.lr=2.5e-4", "train.schedule=linear", "train.warmup_steps=7", "train.max_steps=33",
        "train.micro_batch_size=2", "train.global_batch_size=16", "train.eval_batch_size=3", "train.weight_decay=0.02",
        "train.beta1=0.85", "train.beta2=0.95", "train.grad_clip=0.7", "train.seed=1234", "train.val_check_interval=11",
        "train.early_stopping_patience=4", "train.early_stopping_min_delta=0.002", "train.keep_last_checkpoints=3",
        "train.precision=bf16", "train.activation_checkpointing=full", "train.distributed.strategy=fsdp",
        "train.distributed.nodes=2", "train.distributed.gpus_per_node=2", "train.distributed.python=python3",
        "lora.r=8", "lora.alpha=24", "lora.dropout=0.07", "lora.target_modules=[q_proj, v_proj, down_proj]", "lora.use_rslora=true",
        "train.kubernetes.namespace=ml-team", "train.kubernetes.image=registry.example/trl:1", "train.kubernetes.volume_claim=shared-artifacts",
    ];

    private static TempDirectory _temp = null!;
    private static string _artifacts = null!;
    private static PipelineConfig _config = null!;
    private static LoraProcess.Result _local = null!;
    private static LoraProcess.Result _kubernetes = null!;
    private static string _bundle = null!;

    private static string[] Args(string stage, params string[] extra) =>
        [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", _artifacts, .. extra];

    [OneTimeSetUp]
    public static void WriteBundle()
    {
        _temp = new TempDirectory("trl");
        _artifacts = _temp.Combine("a");
        _config = ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"), Settings);
        foreach (var stage in new[] { "download", "convert", "prepare" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null, Args(stage));
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        }
        var sets = Settings.SelectMany(s => new[] { "--set", s }).ToArray();
        // No kubectl context anywhere: an empty kubeconfig.
        var noCluster = new Dictionary<string, string?> { ["KUBECONFIG"] = _temp.Combine("no-kubeconfig") };
        _local = LoraProcess.Run(RepositoryPaths.Root, noCluster, Args("train", sets));
        _kubernetes = LoraProcess.Run(RepositoryPaths.Root, noCluster, Args("train", [.. sets, "--set", "train.launcher=kubernetes"]));
        var bundles = Directory.GetDirectories(Path.Combine(_artifacts, ".scratch"), "train-*").Select(d => Path.Combine(d, EngineNames.BundleFolder)).ToList();
        Assert.That(bundles, Has.Count.EqualTo(1), "one scratch bundle: the launcher is not part of the fingerprint");
        _bundle = bundles[0];
    }

    [OneTimeTearDown]
    public static void Cleanup() => _temp.Dispose();

    [Test]
    public void WithoutThePackagesTheErrorSaysWhatIsMissingOnWhichHost()
    {
        if (_local.ExitCode == 0) Assert.Ignore("this machine's python3 has trl and peft: the run trained instead");
        Assert.That(_local.Output, Does.Contain($"host {Environment.MachineName}").And.Contain("trl").And.Contain(_bundle));
        Assert.That(_local.Output, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(Directory.Exists(Path.Combine(_artifacts, "train")), Is.False, "a run without an adapter leaves no train/ output");
    }

    [Test]
    public void EveryHyperparameterAppearsWithTheConfiguredValue()
    {
        var script = File.ReadAllText(Path.Combine(_bundle, EngineNames.EntryScript));
        var sft = Arguments(script, "SFTConfig(");
        var lora = Arguments(script, "LoraConfig(");
        var train = _config.Train;
        var processes = train.Distributed.Nodes * train.Distributed.GpusPerNode;
        Assert.Multiple(() =>
        {
            Assert.That(Double(sft["learning_rate"]), Is.EqualTo(train.Lr));
            Assert.That(sft["lr_scheduler_type"], Is.EqualTo("\"" + ConfigNaming.EnumName(train.Schedule) + "\""));
            Assert.That(int.Parse(sft["warmup_steps"]), Is.EqualTo(train.WarmupSteps));
            Assert.That(int.Parse(sft["max_steps"]), Is.EqualTo(train.MaxSteps));
            Assert.That(int.Parse(sft["per_device_train_batch_size"]), Is.EqualTo(train.MicroBatchSize));
            Assert.That(int.Parse(sft["per_device_train_batch_size"]) * int.Parse(sft["gradient_accumulation_steps"]) * processes,
                Is.EqualTo(train.GlobalBatchSize), "micro x accumulation x processes = global batch");
            Assert.That(int.Parse(sft["per_device_eval_batch_size"]), Is.EqualTo(train.EvalBatchSize));
            Assert.That(Double(sft["weight_decay"]), Is.EqualTo(train.WeightDecay));
            Assert.That(Double(sft["adam_beta1"]), Is.EqualTo(train.Beta1));
            Assert.That(Double(sft["adam_beta2"]), Is.EqualTo(train.Beta2));
            Assert.That(Double(sft["max_grad_norm"]), Is.EqualTo(train.GradClip));
            Assert.That(int.Parse(sft["seed"]), Is.EqualTo(train.Seed));
            Assert.That(int.Parse(sft["max_length"]), Is.EqualTo(_config.Data.MaxSeqLength));
            Assert.That(sft["bf16"], Is.EqualTo(train.Precision == ComputePrecision.Bf16 ? "True" : "False"));
            Assert.That(sft["gradient_checkpointing"], Is.EqualTo(train.ActivationCheckpointing == ActivationCheckpointing.Full ? "True" : "False"));
            Assert.That(int.Parse(sft["eval_steps"]), Is.EqualTo(train.ValCheckInterval));
            Assert.That(int.Parse(sft["save_steps"]), Is.EqualTo(train.ValCheckInterval));
            Assert.That(sft["completion_only_loss"], Is.EqualTo("True"), "answer-only loss");
            Assert.That(sft["packing"], Is.EqualTo(_config.Data.Packing ? "True" : "False"));
            Assert.That(int.Parse(lora["r"]), Is.EqualTo(_config.Lora.R));
            Assert.That(Double(lora["lora_alpha"]), Is.EqualTo(_config.Lora.Alpha));
            Assert.That(Double(lora["lora_dropout"]), Is.EqualTo(_config.Lora.Dropout));
            Assert.That(JsonSerializer.Deserialize<List<string>>(lora["target_modules"]), Is.EqualTo(_config.Lora.TargetModules));
            Assert.That(lora["use_rslora"], Is.EqualTo(_config.Lora.UseRslora ? "True" : "False"));
            Assert.That(script, Does.Contain($"EarlyStoppingCallback(early_stopping_patience={train.EarlyStoppingPatience}, " +
                                             $"early_stopping_threshold={train.EarlyStoppingMinDelta.ToString(CultureInfo.InvariantCulture)})"));
            Assert.That(script, Does.Contain("torch_dtype=torch.bfloat16"));
        });
    }

    [Test]
    public void TheLaunchConfigHasTheMachinesGpusAndStrategy()
    {
        var distributed = _config.Train.Distributed;
        var yaml = Yaml(Path.Combine(_bundle, EngineNames.AccelerateConfig));
        Assert.That(Scalar(yaml, "distributed_type"), Is.EqualTo("FSDP"));
        Assert.That(int.Parse(Scalar(yaml, "num_machines")), Is.EqualTo(distributed.Nodes));
        Assert.That(int.Parse(Scalar(yaml, "num_processes")), Is.EqualTo(distributed.Nodes * distributed.GpusPerNode));
        Assert.That(Scalar(yaml, "mixed_precision"), Is.EqualTo("bf16"));
        var fsdp = (YamlMappingNode)yaml.Children[new YamlScalarNode("fsdp_config")];
        Assert.That(((YamlScalarNode)fsdp.Children[new YamlScalarNode("fsdp_use_orig_params")]).Value, Is.EqualTo("true"));
        var launch = File.ReadAllText(Path.Combine(_bundle, EngineNames.LaunchScript));
        Assert.That(launch, Does.Contain($"--num_machines {distributed.Nodes}").And.Contain($"--num_processes {distributed.Nodes * distributed.GpusPerNode}")
            .And.Contain("RDZV_BACKEND=c10d").And.Contain("--rdzv_backend \"$RDZV_BACKEND\"").And.Contain(EngineNames.EntryScript));
        if (!OperatingSystem.IsWindows()) Assert.That(File.GetUnixFileMode(Path.Combine(_bundle, EngineNames.LaunchScript)).HasFlag(UnixFileMode.UserExecute));
    }

    [Test]
    public void TheScriptsAreValidPythonAndBash()
    {
        foreach (var (tool, args) in new[] { ("python3", new[] { "-m", "py_compile", Path.Combine(_bundle, EngineNames.EntryScript) }), ("bash", new[] { "-n", Path.Combine(_bundle, EngineNames.LaunchScript) }) })
        {
            ExternalResult result;
            try { result = ExternalProcess.Run(tool, args, _ => { }, CancellationToken.None); }
            catch (System.ComponentModel.Win32Exception) { Assert.Ignore($"{tool} is not installed here"); return; }
            Assert.That(result.ExitCode, Is.Zero, $"{tool}: {string.Join("\n", result.Tail)}");
        }
    }

    [TestCase(ArtifactNames.TrainSplit, EngineNames.TrainData)]
    [TestCase(ArtifactNames.ValidSplit, EngineNames.ValidData)]
    public void TheDataFilesHoldExactlyThePreparedExamples(string split, string data)
    {
        var prepared = File.ReadLines(Path.Combine(_artifacts, "prepare", split)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var bundled = File.ReadLines(Path.Combine(_bundle, data)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(bundled, Has.Count.EqualTo(prepared.Count).And.Count.GreaterThan(10));
        for (var i = 0; i < prepared.Count; i++)
        {
            Assert.That(bundled[i].GetProperty("prompt").GetString(), Is.EqualTo(prepared[i].GetProperty("input").GetString()), $"line {i + 1}");
            Assert.That(bundled[i].GetProperty("completion").GetString(), Is.EqualTo(prepared[i].GetProperty("output").GetString()), $"line {i + 1}");
            Assert.That(bundled[i].GetProperty("id").GetString(), Is.EqualTo(prepared[i].GetProperty("id").GetString()));
        }
    }

    [Test]
    public void TheManifestHashesMatchTheFiles()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_bundle, EngineNames.Manifest)));
        var inputs = manifest.RootElement.GetProperty("inputs").EnumerateObject().ToList();
        var files = manifest.RootElement.GetProperty("files").EnumerateObject().ToList();
        Assert.That(inputs.Select(p => p.Name), Does.Contain(Path.Combine(_artifacts, "prepare", ArtifactNames.TrainSplit))
            .And.Contain(Path.Combine(_artifacts, "convert", "model.safetensors")));
        Assert.That(files.Select(p => p.Name), Is.SupersetOf(new[] { EngineNames.TrainData, EngineNames.ValidData, EngineNames.EntryScript, EngineNames.LaunchScript, EngineNames.AccelerateConfig }));
        foreach (var entry in inputs.Select(p => (p.Name, p.Value.GetString())).Concat(files.Select(p => (Path.Combine(_bundle, p.Name), p.Value.GetString()))))
            Assert.That(entry.Item2, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.Item1)))), entry.Item1);
        Assert.That(manifest.RootElement.GetProperty("base_model_name").GetString(), Is.EqualTo(_config.Model.Source));
    }

    [Test]
    public void WithoutAKubectlContextTheJobIsWrittenAndTheErrorSaysSo()
    {
        Assert.That(_kubernetes.ExitCode, Is.Not.EqualTo(0));
        var manifest = Path.Combine(_bundle, EngineNames.KubernetesJob);
        Assert.That(_kubernetes.Output, Does.Contain("no kubectl context").And.Contain(manifest).And.Contain("kubectl apply -f"));
        var job = Yaml(manifest);
        var distributed = _config.Train.Distributed;
        Assert.That(Scalar(job, "apiVersion"), Is.EqualTo("kubeflow.org/v1"));
        Assert.That(Scalar(job, "kind"), Is.EqualTo("PyTorchJob"));
        var metadata = (YamlMappingNode)job.Children[new YamlScalarNode("metadata")];
        Assert.That(Scalar(metadata, "namespace"), Is.EqualTo(_config.Train.Kubernetes.Namespace));
        var replicas = (YamlMappingNode)((YamlMappingNode)job.Children[new YamlScalarNode("spec")]).Children[new YamlScalarNode("pytorchReplicaSpecs")];
        var total = 0;
        foreach (var (role, spec) in replicas.Children)
        {
            var replica = (YamlMappingNode)spec;
            total += int.Parse(Scalar(replica, "replicas"));
            var pod = (YamlMappingNode)((YamlMappingNode)replica.Children[new YamlScalarNode("template")]).Children[new YamlScalarNode("spec")];
            var container = (YamlMappingNode)((YamlSequenceNode)pod.Children[new YamlScalarNode("containers")]).Children[0];
            Assert.That(Scalar(container, "name"), Is.EqualTo("pytorch"), role.ToString());
            Assert.That(Scalar(container, "image"), Is.EqualTo(_config.Train.Kubernetes.Image));
            var command = ((YamlSequenceNode)container.Children[new YamlScalarNode("command")]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
            Assert.That(command, Is.EqualTo(new[] { "bash", Path.Combine(_bundle, EngineNames.LaunchScript) }));
            var limits = (YamlMappingNode)((YamlMappingNode)container.Children[new YamlScalarNode("resources")]).Children[new YamlScalarNode("limits")];
            Assert.That(int.Parse(Scalar(limits, "nvidia.com/gpu")), Is.EqualTo(distributed.GpusPerNode));
            var mount = (YamlMappingNode)((YamlSequenceNode)container.Children[new YamlScalarNode("volumeMounts")]).Children[0];
            Assert.That(Path.GetFullPath(_bundle), Does.StartWith(Scalar(mount, "mountPath")), "the bundle lies on the mounted volume at the same path");
            var volume = (YamlMappingNode)((YamlSequenceNode)pod.Children[new YamlScalarNode("volumes")]).Children[0];
            Assert.That(Scalar((YamlMappingNode)volume.Children[new YamlScalarNode("persistentVolumeClaim")], "claimName"), Is.EqualTo(_config.Train.Kubernetes.VolumeClaim));
        }
        Assert.That(total, Is.EqualTo(distributed.Nodes), "one pod per machine");
    }

    /// <summary>The <c>name=value</c> keyword arguments of the call opened by <paramref name="call"/>, one per line.</summary>
    private static Dictionary<string, string> Arguments(string script, string call)
    {
        var start = script.IndexOf(call, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), call);
        var end = script.IndexOf("\n    )", start, StringComparison.Ordinal);
        return script[start..end].Split('\n').Skip(1)
            .Select(l => Regex.Match(l, @"^\s+(\w+)=(.*),$")).Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    private static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;
}
