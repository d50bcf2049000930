using LoraPipeline.Evaluation;
using LoraPipeline.Data;

namespace LoraPipeline.Tests.Evaluation;

/// <summary>Metric functions against hand-worked examples.</summary>
public class MetricTests
{
    [TestCase("The Cat!", "cat")]
    [TestCase("An apple, a pear and THE plum.", "apple pear and plum")]
    [TestCase("  multiple \t spaces\n", "multiple spaces")]
    [TestCase("theory of anything", "theory of anything")]
    [TestCase("A.B.C. costs $5 (approx.)", "abc costs 5 approx")]
    [TestCase("don't", "dont")]
    [TestCase("Ünïcode — kept", "ünïcode — kept")]
    public void SquadNormalisation(string text, string expected) => Assert.That(SquadText.Normalize(text), Is.EqualTo(expected));

    [Test]
    public void ExactMatchIsOnNormalisedStringsAndTakesTheBestReference()
    {
        Assert.That(AnswerMetrics.ExactMatch("the 14 days.", ["14 Days"]), Is.EqualTo(1.0));
        Assert.That(AnswerMetrics.ExactMatch("14 business days", ["14 days"]), Is.EqualTo(0.0));
        Assert.That(AnswerMetrics.ExactMatch("fourteen", ["14 days", "Fourteen"]), Is.EqualTo(1.0));
    }

    [Test]
    public void TokenF1IsTheHarmonicMeanOfMultisetOverlap()
    {
        // common {14, days} = 2; precision 2/3, recall 2/2 -> F1 = 2*(2/3)/(2/3+1) = 0.8
        Assert.That(AnswerMetrics.TokenF1("14 business days", ["14 days"]), Is.EqualTo(0.8).Within(1e-12));
        // multiset: "days days" vs "days" -> common 1, P = 1/2, R = 1 -> 2/3
        Assert.That(AnswerMetrics.TokenF1("days days", ["days"]), Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(AnswerMetrics.TokenF1("nothing shared", ["14 days"]), Is.EqualTo(0.0));
        Assert.That(AnswerMetrics.TokenF1("the", ["a"]), Is.EqualTo(1.0), "both normalise to empty");
        Assert.That(AnswerMetrics.TokenF1("x y", ["x", "x y"]), Is.EqualTo(1.0), "best reference");
    }

    [Test]
    public void RougeLIsTheLcsFMeasure()
    {
        // LCS("the cat sat on the mat", "the cat on the mat") = 5; P = 5/6, R = 1 -> 10/11
        Assert.That(AnswerMetrics.RougeL("the cat sat on the mat", ["the cat on the mat"]), Is.EqualTo(10.0 / 11).Within(1e-12));
        // order matters: LCS("b a", "a b") = 1 -> P = R = 1/2 -> 0.5
        Assert.That(AnswerMetrics.RougeL("b a", ["a b"]), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(AnswerMetrics.RougeTokens("ACME-X100, v3.2"), Is.EqualTo(new[] { "acme", "x100", "v3", "2" }));
    }

    [Test]
    public void RefusalsAndGrounding()
    {
        const string refusal = "The provided documents do not contain the answer to this question.";
        Assert.That(RagMetrics.IsRefusal("the provided documents do not contain the answer to this question", refusal), Is.True);
        Assert.That(RagMetrics.IsRefusal("14 days", refusal), Is.False);
        Assert.That(RagMetrics.IsRefusal("", refusal), Is.False);
        string[] context = ["Laptops are replaced every 4 years by IT.", "Phones every 2 years."];
        Assert.That(RagMetrics.IsGrounded("every 4 years", context), Is.True);
        Assert.That(RagMetrics.GroundedShare("every 5 years", context), Is.EqualTo(0.5), "content words {5, years}: 1 of 2");
        Assert.That(RagMetrics.IsGrounded("the", context), Is.True, "no content words");
    }
}
