using LoraPipeline.Configuration;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>Issue 17 point 1 (train.optimizer): our adam, adamw and sgd updates equal libtorch's own optimizers, and their
/// state restores exactly.</summary>
public class AdapterOptimizerTests
{
    private const double Lr = 0.01;
    private const double WeightDecay = 0.05;

    private static Tensor Grad(int step) => randn([3, 4], generator: new Generator((ulong)(100 + step)));

    private static void Backward(Parameter p, int step)
    {
        using var g = Grad(step);
        using var loss = (p * g).sum(); // d loss / d p = g
        loss.backward();
    }

    private static Parameter NewParameter() => new(randn([3, 4], generator: new Generator(7)));

    [TestCase("adam", 0.8)]
    [TestCase("adamw", 0.8)]
    [TestCase("sgd", 0.8)]
    [TestCase("sgd", 0.0)]
    public void UpdatesEqualLibtorchsOptimizer(string name, double momentum)
    {
        var kind = Enum.Parse<OptimizerKind>(name, ignoreCase: true);
        using var ours = NewParameter();
        using var theirs = NewParameter();
        using var optimizer = new AdapterOptimizer([("w", ours)], 0.9, 0.98, 1e-8, WeightDecay, kind, momentum);
        using var reference = kind switch
        {
            OptimizerKind.Adam => (optim.Optimizer)optim.Adam([theirs], Lr, 0.9, 0.98, 1e-8, WeightDecay),
            OptimizerKind.Adamw => optim.AdamW([theirs], Lr, 0.9, 0.98, 1e-8, WeightDecay),
            _ => optim.SGD([theirs], Lr, momentum, 0, WeightDecay),
        };
        for (var step = 0; step < 6; step++)
        {
            Backward(ours, step);
            optimizer.Step(Lr);
            optimizer.ZeroGrad();
            Backward(theirs, step);
            reference.step();
            reference.zero_grad();
        }
        Assert.That(ours.allclose(theirs, rtol: 1e-5, atol: 1e-7), Is.True,
            $"{kind}: max difference {(ours - theirs).abs().max().item<float>()}");
        Assert.That((ours - NewParameter()).abs().max().item<float>(), Is.GreaterThan(1e-3f), "the parameter moved");
    }

    [TestCase("adam")]
    [TestCase("sgd")]
    public void StateRestoredMidwayContinuesBitwiseAsIfUninterrupted(string name)
    {
        var kind = Enum.Parse<OptimizerKind>(name, ignoreCase: true);
        using var straight = NewParameter();
        using (var optimizer = new AdapterOptimizer([("w", straight)], 0.9, 0.98, 1e-8, WeightDecay, kind))
            for (var step = 0; step < 5; step++) { Backward(straight, step); optimizer.Step(Lr); optimizer.ZeroGrad(); }

        using var resumed = NewParameter();
        Dictionary<string, Tensor> saved;
        using (var first = new AdapterOptimizer([("w", resumed)], 0.9, 0.98, 1e-8, WeightDecay, kind))
        {
            for (var step = 0; step < 3; step++) { Backward(resumed, step); first.Step(Lr); first.ZeroGrad(); }
            saved = first.StateTensors().ToDictionary(s => s.Key, s => s.Value.clone());
        }
        Assert.That(saved.Keys, Is.EqualTo(kind == OptimizerKind.Sgd ? new[] { "w.momentum_buffer" } : new[] { "w.exp_avg", "w.exp_avg_sq" }));
        using (var second = new AdapterOptimizer([("w", resumed)], 0.9, 0.98, 1e-8, WeightDecay, kind))
        {
            second.Restore(saved, 3);
            for (var step = 3; step < 5; step++) { Backward(resumed, step); second.Step(Lr); second.ZeroGrad(); }
        }
        Assert.That(resumed.eq(straight).all().item<bool>(), Is.True, "bitwise equal after resume");
        foreach (var t in saved.Values) t.Dispose();
    }

    [Test]
    public void SgdWithoutMomentumKeepsNoStateAndIgnoresAnOldZeroBuffer()
    {
        using var straight = NewParameter();
        using (var optimizer = new AdapterOptimizer([("w", straight)], 0.9, 0.98, 1e-8, WeightDecay, OptimizerKind.Sgd, momentum: 0))
        {
            for (var step = 0; step < 4; step++) { Backward(straight, step); optimizer.Step(Lr); optimizer.ZeroGrad(); }
            Assert.That(optimizer.StateTensors(), Is.Empty);
        }
        using var resumed = NewParameter();
        using (var first = new AdapterOptimizer([("w", resumed)], 0.9, 0.98, 1e-8, WeightDecay, OptimizerKind.Sgd, momentum: 0))
            for (var step = 0; step < 2; step++) { Backward(resumed, step); first.Step(Lr); first.ZeroGrad(); }
        using var oldBuffer = zeros(3, 4);
        using (var second = new AdapterOptimizer([("w", resumed)], 0.9, 0.98, 1e-8, WeightDecay, OptimizerKind.Sgd, momentum: 0))
        {
            second.Restore(new Dictionary<string, Tensor> { ["w.momentum_buffer"] = oldBuffer }, 2); // as a checkpoint written before kept it
            for (var step = 2; step < 4; step++) { Backward(resumed, step); second.Step(Lr); second.ZeroGrad(); }
        }
        Assert.That(resumed.eq(straight).all().item<bool>(), Is.True, "bitwise equal after resume");
    }

    [Test]
    public void TheOptimizerKeyIsReadFromConfigAndNemo()
    {
        Assert.That(ConfigLoader.Parse("train:\n  optimizer: sgd\n  momentum: 0.5\n", "c.yaml").Train.Optimizer, Is.EqualTo(OptimizerKind.Sgd));
        Assert.That(ConfigLoader.Parse("", "c.yaml", ["model.optim.name=adam"]).Train.Optimizer, Is.EqualTo(OptimizerKind.Adam));
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("train:\n  optimizer: lion\n", "c.yaml"))!;
        Assert.That(e.Message, Does.Contain("train.optimizer").And.Contain("adamw, adam, sgd"));
    }
    [TestCase("adam", 0.9)]
    [TestCase("adamw", 0.9)]
    [TestCase("sgd", 0.9)]
    [TestCase("sgd", 0.0)] // torch.optim.SGD keeps no buffer without momentum
    public void ThePlanSizesTheStateTheOptimizerKeeps(string name, double momentum)
    {
        var kind = Enum.Parse<OptimizerKind>(name, ignoreCase: true);
        using var p = NewParameter();
        using var optimizer = new AdapterOptimizer([("w", p)], 0.9, 0.98, 1e-8, WeightDecay, kind, momentum);
        var stateBytes = optimizer.StateTensors().Sum(t => t.Value.NumberOfElements * t.Value.ElementSize);
        var plan = TrainingEstimate.Compute(PlanModelConfig.Load(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "configs", "llama3-8b.json")),
            new SizingInputs { SeqLength = 16, MicroBatchSize = 1, LoraR = 8, TargetModules = ["q_proj"], Dtype = DType.Bf16, Optimizer = kind, Momentum = momentum });
        Assert.That((double)plan.OptimizerStateBytes / plan.AdapterParameters, Is.EqualTo((double)stateBytes / p.NumberOfElements),
            "state bytes per adapter parameter, planned vs kept");
    }
}
