using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Modeling;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>Accumulating micro batches equals one pass over the global batch when the loss is divided once by the global label count.</summary>
public class GradientAccumulationTests
{
    private static ModelConfig Config() => TinyTraining.Config(layers: 2);

    // Different lengths and label counts, so a mean of per-micro-batch means would weight tokens unequally.
    private static readonly TokenRecord[] Records = TinyTraining.VariedRecords;

    private static Dictionary<string, float[]> Gradients(Func<LlamaForCausalLM, IReadOnlyList<TokenRecord>, Tensor> loss, int micro, bool divideOnce)
    {
        using var scope = NewDisposeScope();
        var (model, adapter) = TinyTraining.AdaptedModel(Config(), 0, ["q_proj", "v_proj", "down_proj"]);
        using var owned = model;
        model.train();
        var total = Records.Sum(r => r.InputIds.Count - r.LabelStart);
        for (var start = 0; start < Records.Length; start += micro)
        {
            var chunk = Records.Skip(start).Take(micro).ToList();
            var sum = loss(model, chunk);
            var labels = chunk.Sum(r => r.InputIds.Count - r.LabelStart);
            (divideOnce ? sum / total : sum / labels / (Records.Length / micro)).backward();
        }
        return adapter.NamedParameters().ToDictionary(p => p.Key, p => p.Value.grad!.data<float>().ToArray());
    }

    private static Tensor Sum(LlamaForCausalLM model, IReadOnlyList<TokenRecord> records)
    {
        using var batch = TrainingBatch.Collate(records, CPU);
        return AnswerLoss.Sum(model, batch);
    }

    [Test]
    public void AccumulatedGradientEqualsOnePassOverTheGlobalBatch()
    {
        var whole = Gradients(Sum, micro: 4, divideOnce: true);
        var accumulated = Gradients(Sum, micro: 1, divideOnce: true);
        foreach (var (name, expected) in whole)
        {
            var actual = accumulated[name];
            var maxDiff = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            var scale = expected.Max(Math.Abs);
            Assert.That(scale, Is.GreaterThan(0), name);
            Assert.That(maxDiff, Is.LessThanOrEqualTo(1e-6 + 1e-5 * scale), name);
        }
        // The tempting alternative, a mean of micro-batch means, is measurably different here.
        var meanOfMeans = Gradients(Sum, micro: 1, divideOnce: false);
        var name0 = whole.Keys.First(k => k.Contains("lora_A"));
        Assert.That(whole[name0].Zip(meanOfMeans[name0], (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-4));
    }

    [Test]
    public void AnswerLossEqualsCrossEntropyOverFullLogitsAtLabelPositions()
    {
        using var scope = NewDisposeScope();
        using var model = LlamaForCausalLM.CreateRandom(Config(), seed: 3, ScalarType.Float32, CPU);
        model.eval();
        using var batch = TrainingBatch.Collate(Records, CPU);
        var sum = AnswerLoss.Sum(model, batch).item<float>();
        // Reference: full logits for every position, then pick the label positions by hand.
        var logits = model.Forward(batch.InputIds, batch.AttentionMask).log_softmax(-1);
        double expected = 0;
        for (var row = 0; row < Records.Length; row++)
            for (var t = Records[row].LabelStart - 1; t < Records[row].InputIds.Count - 1; t++)
                expected -= logits[row, t, Records[row].InputIds[t + 1]].item<float>();
        Assert.That(sum, Is.EqualTo(expected).Within(1e-3));
        Assert.That(batch.LabelCount, Is.EqualTo(Records.Sum(r => r.InputIds.Count - r.LabelStart)));
    }
}
