using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Modeling;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>
/// Issue 13 point 1: recomputing activations in the backward pass (selective: the attention core; full: each decoder
/// layer) gives the gradients of keeping them, dropout included (its masks are replayed).
/// </summary>
public class ActivationCheckpointingTests
{
    private static readonly TokenRecord[] Padded = TinyTraining.VariedRecords[..3];

    private static readonly TokenRecord[] SameLength =
    [
        new("a", [5, 6, 7, 8, 9, 10, 11, 12], 5),
        new("d", [29, 30, 31, 32, 33, 34, 35, 36], 3),
    ];

    private static (double Loss, Dictionary<string, float[]> Gradients) Step(ActivationCheckpointing mode, IReadOnlyList<TokenRecord> records,
        double dropout, string[] targets)
    {
        using var scope = NewDisposeScope();
        var (model, adapter) = TinyTraining.AdaptedModel(TinyTraining.Config(layers: 3), dropout, targets);
        using var owned = model;
        model.Model.Checkpointing = mode;
        model.train();
        adapter.ReseedDropout(7, 1);
        using var batch = TrainingBatch.Collate(records, CPU);
        var sum = AnswerLoss.Sum(model, batch);
        sum.backward();
        return (sum.item<float>(), adapter.NamedParameters().ToDictionary(p => p.Key, p => p.Value.grad!.data<float>().ToArray()));
    }

    [TestCase("selective", true, 0.1)]
    [TestCase("full", true, 0.1)]
    [TestCase("selective", false, 0.0)]
    [TestCase("full", false, 0.0)]
    public void GradientsEqualThoseWithEveryActivationKept(string modeName, bool padded, double dropout)
    {
        var mode = Enum.Parse<ActivationCheckpointing>(modeName, ignoreCase: true);
        var records = padded ? Padded : SameLength;
        string[] all = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
        var kept = Step(ActivationCheckpointing.None, records, dropout, all);
        var recomputed = Step(mode, records, dropout, all);
        Assert.That(recomputed.Loss, Is.EqualTo(kept.Loss).Within(1e-6));
        var worst = 0.0;
        foreach (var (name, expected) in kept.Gradients)
        {
            Assert.That(expected.Max(Math.Abs), Is.GreaterThan(0), $"{name} got no gradient without recomputation");
            var diff = expected.Zip(recomputed.Gradients[name], (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, diff);
            Assert.That(diff, Is.LessThanOrEqualTo(1e-6), name);
        }
        TestContext.Out.WriteLine($"{mode}, padded {padded}, dropout {dropout}: max |Δgrad| = {worst:g3} over {kept.Gradients.Count} adapter tensors");
    }

    [Test]
    public void TheFirstLayerTrainsEvenThoughItsInputNeedsNoGradient()
    {
        // Only layer 0's adapters: its input (the frozen embedding's output) needs no gradient, which would leave a
        // reentrant checkpoint without a backward node.
        string[] targets = [@"model\.layers\.0\.self_attn\.q_proj"];
        var kept = Step(ActivationCheckpointing.None, Padded, 0.0, targets);
        var recomputed = Step(ActivationCheckpointing.Full, Padded, 0.0, targets);
        foreach (var (name, expected) in kept.Gradients)
        {
            Assert.That(recomputed.Gradients[name].Max(Math.Abs), Is.GreaterThan(0), name);
            Assert.That(expected.Zip(recomputed.Gradients[name], (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-6), name);
        }
    }
}
