using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>
/// Issue 13 points 2 and 4: the chunked LM-head loss equals the one-piece loss, and packing several examples into a
/// row changes no example's loss or gradient contribution (positions restart, attention stays within each example).
/// </summary>
public class LossChunkingAndPackingTests
{
    private static ModelConfig Config() => TinyTraining.Config(layers: 2, vocab: 211);

    // Lengths 12 + 8 + 4 = 24 and 16 + 8 = 24: with rows of 24 the first-fit decreasing packer fills rows exactly,
    // so examples end on a row boundary; 7 is left over in a padded row.
    private static readonly TokenRecord[] Examples =
    [
        new("a", Tokens(12, 1), 5),
        new("b", Tokens(8, 2), 1),
        new("c", Tokens(16, 3), 10),
        new("d", Tokens(4, 4), 2),
        new("e", Tokens(8, 5), 3),
        new("f", Tokens(7, 6), 4),
    ];

    private static int[] Tokens(int count, int seed) => Enumerable.Range(0, count).Select(i => 3 + (i * 37 + seed * 11) % 200).ToArray();

    private sealed class Setup : IDisposable
    {
        public Setup()
        {
            (Model, Adapter) = TinyTraining.AdaptedModel(Config(), 0, TinyTraining.AllProjections);
            Model.train();
        }

        public LlamaForCausalLM Model { get; }
        public LoraAdapter Adapter { get; }

        public (double Loss, Dictionary<string, float[]> Gradients) Backward(Func<TrainingBatch> collate, int chunk)
        {
            using var scope = NewDisposeScope();
            foreach (var (_, p) in Adapter.NamedParameters()) p.grad?.zero_();
            using var batch = collate();
            var sum = AnswerLoss.Sum(Model, batch, chunk);
            sum.backward();
            return (sum.item<float>(), Adapter.NamedParameters().ToDictionary(p => p.Key, p => p.Value.grad!.data<float>().ToArray()));
        }

        public void Dispose() => Model.Dispose();
    }

    private static double MaxDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Max(kv => kv.Value.Zip(b[kv.Key], (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max());

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(16)]
    public void ChunkedLossAndGradientsEqualTheOnePieceLoss(int chunk)
    {
        using var setup = new Setup();
        var whole = setup.Backward(() => TrainingBatch.Collate(Examples, CPU), chunk: 0);
        var chunked = setup.Backward(() => TrainingBatch.Collate(Examples, CPU), chunk);
        Assert.That(whole.Gradients.Values.Max(g => g.Max(Math.Abs)), Is.GreaterThan(0));
        Assert.That(chunked.Loss, Is.EqualTo(whole.Loss).Within(1e-6 * Math.Abs(whole.Loss)));
        var diff = MaxDifference(whole.Gradients, chunked.Gradients);
        TestContext.Out.WriteLine($"chunk {chunk}: loss {whole.Loss} vs {chunked.Loss}, max |Δgrad| {diff:g3}");
        Assert.That(diff, Is.LessThanOrEqualTo(1e-6));
    }

    [Test]
    public void ChunkedLossWithoutGradientsGivesTheSameValue()
    {
        using var setup = new Setup();
        using var noGrad = no_grad();
        using var batch = TrainingBatch.Collate(Examples, CPU);
        var whole = AnswerLoss.Sum(setup.Model, batch, 0).item<float>();
        var chunked = AnswerLoss.Sum(setup.Model, batch, 5).item<float>();
        Assert.That(chunked, Is.EqualTo(whole).Within(1e-6 * Math.Abs(whole)));
    }

    [Test]
    public void PackerFillsRowsFirstFitDecreasingAndIsDeterministic()
    {
        var rows = SequencePacker.Pack(Examples, 24);
        var names = rows.Select(r => string.Join("", r.Select(e => e.Id))).ToList();
        Assert.That(names, Is.EqualTo(new[] { "cb", "aed", "f" }));
        Assert.That(rows.Take(2).Select(r => r.Sum(e => e.InputIds.Count)), Is.All.EqualTo(24));
        Assert.That(SequencePacker.Pack(Examples, 24).Select(r => string.Join("", r.Select(e => e.Id))), Is.EqualTo(names));
        Assert.That(SequencePacker.Pack([new("long", Tokens(30, 1), 1)], 24).Single().Single().Id, Is.EqualTo("long"));
    }

    [Test]
    public void APackedMicroBatchIsOneUnpaddedRowOfItsExamplesEndToEnd()
    {
        var rows = SequencePacker.Pack(Examples, 24);
        using var batch = TrainingBatch.CollatePacked(rows, CPU);
        var inOrder = rows.SelectMany(r => r).ToList();
        var total = inOrder.Sum(e => e.InputIds.Count);
        Assert.That(batch.InputIds.shape, Is.EqualTo(new long[] { 1, total }));
        Assert.That(batch.Tokens, Is.EqualTo(total), "no position is padding");
        Assert.That(batch.Segments!.Rows.Single(), Is.EqualTo(inOrder.Select(e => e.InputIds.Count)));
        Assert.That(batch.InputIds.data<long>().ToArray(), Is.EqualTo(inOrder.SelectMany(e => e.InputIds.Select(t => (long)t))));
        Assert.That(batch.PositionIds!.data<long>().ToArray(), Is.EqualTo(inOrder.SelectMany(e => Enumerable.Range(0, e.InputIds.Count).Select(t => (long)t))));
    }

    [Test]
    public void EachExamplesLossAndGradientAreTheSamePackedAndUnpacked()
    {
        using var setup = new Setup();
        var rows = SequencePacker.Pack(Examples, 24);
        var worst = 0.0;
        foreach (var example in Examples)
        {
            // Packed with every other example present but unlabelled: what remains is exactly this example's share.
            var onlyThis = rows.Select(r => (IReadOnlyList<TokenRecord>)r.Select(e => e.Id == example.Id ? e : e with { LabelStart = e.InputIds.Count }).ToList()).ToList();
            var packed = setup.Backward(() => TrainingBatch.CollatePacked(onlyThis, CPU), chunk: 0);
            var alone = setup.Backward(() => TrainingBatch.Collate([example], CPU), chunk: 0);
            Assert.That(alone.Gradients.Values.Max(g => g.Max(Math.Abs)), Is.GreaterThan(0), example.Id);
            Assert.That(packed.Loss, Is.EqualTo(alone.Loss).Within(1e-5 * Math.Max(1, Math.Abs(alone.Loss))), example.Id);
            var diff = MaxDifference(alone.Gradients, packed.Gradients);
            worst = Math.Max(worst, diff);
            Assert.That(diff, Is.LessThanOrEqualTo(1e-5), example.Id);
        }
        TestContext.Out.WriteLine($"packed vs unpacked: max |Δgrad| {worst:g3} over {Examples.Length} examples");
    }

    [Test]
    public void PackedStepEqualsUnpackedStepOverTheGlobalBatch()
    {
        using var setup = new Setup();
        var unpacked = setup.Backward(() => TrainingBatch.Collate(Examples, CPU), chunk: 0);
        var packed = setup.Backward(() => TrainingBatch.CollatePacked(SequencePacker.Pack(Examples, 24), CPU), chunk: 3);
        Assert.That(packed.Loss, Is.EqualTo(unpacked.Loss).Within(1e-5 * Math.Abs(unpacked.Loss)));
        Assert.That(MaxDifference(unpacked.Gradients, packed.Gradients), Is.LessThanOrEqualTo(1e-5));
    }

    [TestCase("selective")]
    [TestCase("full")]
    public void PackedGradientsWithRecomputationAreBitwiseThoseWithoutIt(string mode)
    {
        using var setup = new Setup();
        var rows = SequencePacker.Pack(Examples, 24);
        var kept = setup.Backward(() => TrainingBatch.CollatePacked(rows, CPU), chunk: 5);
        setup.Model.Model.Checkpointing = Enum.Parse<ActivationCheckpointing>(mode, ignoreCase: true);
        var recomputed = setup.Backward(() => TrainingBatch.CollatePacked(rows, CPU), chunk: 5);
        Assert.That(recomputed.Loss, Is.EqualTo(kept.Loss));
        Assert.That(MaxDifference(kept.Gradients, recomputed.Gradients), Is.EqualTo(0), mode);
    }

    [Test]
    public void PackedSegmentsMustCoverTheirRows()
    {
        Assert.That(() => new PackedSegments([[12, 8, 4], [16, 7]], 24), Throws.ArgumentException.With.Message.Contains("packed row 1"));
        Assert.That(() => new PackedSegments([[12, 0, 12]], 24), Throws.ArgumentException.With.Message.Contains("positive"));
    }
}
