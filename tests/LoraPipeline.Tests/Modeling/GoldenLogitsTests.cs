using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Modeling;

/// <summary>
/// The network against the independent float64 PyTorch reference in tests/scripts/make_model_goldens.py
/// (fixtures under Fixtures/models/): every logit of every position, and the greedy continuation.
/// </summary>
[TestFixtureSource(typeof(ModelGolden), nameof(ModelGolden.Cases))]
public class GoldenLogitsTests(string name)
{
    private ModelGolden _golden = null!;

    [OneTimeSetUp]
    public void LoadGolden() => _golden = ModelGolden.Load(name);

    [Test]
    public void Float32LogitsMatchTheReference()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory(name), ScalarType.Float32, CPU);
        var difference = _golden.MaxAbsDifference(ModelRunner.Logits(model, _golden.InputIds));
        TestContext.Out.WriteLine($"{name}: f32 max |logit diff| = {difference:E2} (max |logit| {_golden.MaxAbsLogit:F1})");
        Assert.That(difference, Is.LessThanOrEqualTo(1e-4));
    }

    [Test]
    public void Float32GreedyContinuationMatchesTheReference()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory(name), ScalarType.Float32, CPU);
        var tokens = ModelRunner.Generate(model, _golden.InputIds, SamplingOptions.GreedyDecoding(16));
        Assert.That(tokens, Is.EqualTo(_golden.Greedy));
    }

    /// <summary>
    /// bfloat16 keeps 8 significant bits (a relative rounding error of up to 2⁻⁹ ≈ 0.2 % per value, about 3
    /// significant digits). Weights, activations and every matmul output are rounded at that precision through
    /// two layers, so logit errors scale with the logit magnitude: we allow 5 % of the largest |logit| of the
    /// sequence (≈ 25 roundings' worth of 2⁻⁹), well above what we observe (1–2 %) and well below the size
    /// of the logits themselves. Greedy tokens must agree wherever the f32 top-2 margin exceeds twice that bound.
    /// </summary>
    [Test]
    public void Bfloat16LogitsStayWithinBf16Precision()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory(name), ScalarType.BFloat16, CPU);
        var logits = ModelRunner.Logits(model, _golden.InputIds);
        var difference = _golden.MaxAbsDifference(logits);
        var tolerance = 0.05 * _golden.MaxAbsLogit;
        TestContext.Out.WriteLine($"{name}: bf16 max |logit diff| = {difference:F4} (tolerance {tolerance:F3}, max |logit| {_golden.MaxAbsLogit:F1})");
        Assert.That(difference, Is.LessThanOrEqualTo(tolerance));
        var vocab = logits.GetLength(1);
        for (var position = 0; position < _golden.Logits.Length; position++)
        {
            if (_golden.Top2Margin[position] <= 2 * tolerance) continue;
            var expected = Array.IndexOf(_golden.Logits[position], _golden.Logits[position].Max());
            var actual = Enumerable.Range(0, vocab).MaxBy(j => logits[position, j]);
            Assert.That(actual, Is.EqualTo(expected), $"argmax at position {position} (f32 margin {_golden.Top2Margin[position]})");
        }
    }
}
