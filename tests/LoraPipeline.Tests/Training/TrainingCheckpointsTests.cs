using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>Issue 19 finding 8: a truncated checkpoint is answered with the previous complete one, never a stack trace.</summary>
public class TrainingCheckpointsTests
{
    [Test]
    public void ATruncatedNewestCheckpointFallsBackToThePreviousOne()
    {
        using var temp = new TempDirectory("checkpoints");
        using var model = LlamaForCausalLM.CreateRandom(ModelConfigs.Llama(hidden: 16, layers: 1, heads: 2, kvHeads: 2, intermediate: 32, vocab: 32), 1, ScalarType.Float32, CPU);
        var adapter = LoraInjector.Apply(model, new LoraOptions { R = 2, Alpha = 4, TargetModules = ["q_proj"] }, seed: 3);
        var parameters = adapter.NamedParameters();
        using var optimizer = new AdapterOptimizer(parameters.Select(p => (p.Key, p.Value)).ToList(), 0.9, 0.98, 1e-8, 0.01);
        var checkpoints = new TrainingCheckpoints(temp.Path);
        var tensors = parameters.Select(p => KeyValuePair.Create(p.Key, (Tensor)p.Value)).ToList();
        checkpoints.Save(new TrainerState(1, 2.0, 1, 0, 3.0, "fp"), tensors, optimizer, keep: 3);
        checkpoints.Save(new TrainerState(2, 1.5, 2, 0, 3.0, "fp"), tensors, optimizer, keep: 3);
        var newest = checkpoints.Complete()[0];
        var weights = Path.Combine(newest, "adapter.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..20]); // truncated

        var log = new List<string>();
        var state = checkpoints.RestoreLatest("fp", parameters, optimizer, log.Add);
        Assert.That(state!.Step, Is.EqualTo(1));
        Assert.That(log[0], Does.Contain("step-000002").And.Contain("cannot be read"));
        Assert.That(log[^1], Does.Contain("previous complete checkpoint step-000001"));

        var older = Path.Combine(checkpoints.Complete()[1], "adapter.safetensors");
        File.WriteAllBytes(older, File.ReadAllBytes(older)[..20]);
        var e = Assert.Throws<StageException>(() => checkpoints.RestoreLatest("fp", parameters, optimizer, log.Add))!;
        Assert.That(e.Message, Does.Contain("no checkpoint").And.Contain("train.resume=never"));
    }
}
