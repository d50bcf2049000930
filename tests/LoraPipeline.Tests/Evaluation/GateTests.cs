using LoraPipeline.Configuration;
using LoraPipeline.Evaluation;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Evaluation;

public class GateTests
{
    private static readonly Dictionary<string, double> Base = new() { ["loss"] = 4.0, ["exact_match"] = 5, ["refusal_accuracy"] = 10, ["token_f1"] = 10 };
    private static readonly Dictionary<string, double> Adapter = new() { ["loss"] = 2.0, ["exact_match"] = 40, ["refusal_accuracy"] = 80, ["token_f1"] = 50 };

    private static EvalOptions Strict() => new()
    {
        MaxEvalLoss = 2.5, MinLossImprovement = 0.25, MinExactMatch = 30, MinRefusalAccuracy = 70, MaxRegression = 0.05,
    };

    [Test]
    public void PassesWhenEveryThresholdIsMet()
    {
        var verdict = Gate.Evaluate(Strict(), Base, Adapter, baseline: new Dictionary<string, double>(Adapter));
        Assert.That(verdict.Passed, Is.True, string.Join("; ", verdict.Reasons));
        Assert.That(verdict.Checks.Select(c => c.Name), Is.SupersetOf(new[] { "max_eval_loss", "min_loss_improvement", "min_exact_match", "min_refusal_accuracy", "baseline.loss" }));
    }

    [TestCase("max_eval_loss", "loss", 2.6)]
    [TestCase("min_loss_improvement", "loss", 3.5)]
    [TestCase("min_exact_match", "exact_match", 29.9)]
    [TestCase("min_refusal_accuracy", "refusal_accuracy", 69)]
    public void FailsForEachThreshold(string check, string metric, double value)
    {
        var adapter = new Dictionary<string, double>(Adapter) { [metric] = value };
        // Only the check under test is configured, so its failure is the only reason.
        var strict = Strict();
        var only = new EvalOptions
        {
            MaxEvalLoss = check == "max_eval_loss" ? strict.MaxEvalLoss : null,
            MinLossImprovement = check == "min_loss_improvement" ? strict.MinLossImprovement : null,
            MinExactMatch = check == "min_exact_match" ? strict.MinExactMatch : null,
            MinRefusalAccuracy = check == "min_refusal_accuracy" ? strict.MinRefusalAccuracy : null,
        };
        Assert.That(Gate.Evaluate(only, Base, Adapter, baseline: null).Passed, Is.True, "passes with good metrics");
        var verdict = Gate.Evaluate(only, Base, adapter, baseline: null);
        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Reasons.Single(), Does.StartWith(check + ":"));
        Assert.That(Gate.Evaluate(strict, Base, adapter, baseline: null).Passed, Is.False, "and with every threshold set");
    }

    [TestCase("loss", 2.2, "baseline.loss")]
    [TestCase("exact_match", 37, "baseline.exact_match")]
    [TestCase("token_f1", 47, "baseline.token_f1")]
    public void FailsForARegressionAgainstTheBaseline(string metric, double value, string check)
    {
        var adapter = new Dictionary<string, double>(Adapter) { [metric] = value };
        var verdict = Gate.Evaluate(new EvalOptions { MinLossImprovement = null, MaxRegression = 0.05 }, Base, adapter, baseline: Adapter);
        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Reasons.Single(), Does.StartWith(check));
    }

    [Test]
    public void SmallRegressionsWithinTheAllowanceAndImprovementsPass()
    {
        var adapter = new Dictionary<string, double>(Adapter) { ["loss"] = 2.08, ["exact_match"] = 45 };
        Assert.That(Gate.Evaluate(new EvalOptions { MaxRegression = 0.05 }, Base, adapter, Adapter).Passed, Is.True);
    }

    [Test]
    public void MissingOrNaNMetricsFailClosed()
    {
        var missing = new Dictionary<string, double>(Adapter);
        missing.Remove("exact_match");
        var verdict = Gate.Evaluate(Strict(), Base, missing, null);
        Assert.That(verdict.Passed, Is.False);
        Assert.That(verdict.Reasons.Single(), Does.Contain("'exact_match' is missing"));
        var nan = new Dictionary<string, double>(Adapter) { ["loss"] = double.NaN };
        Assert.That(Gate.Evaluate(Strict(), Base, nan, null).Passed, Is.False);
        var baseNan = new Dictionary<string, double>(Base) { ["loss"] = double.NaN };
        Assert.That(Gate.Evaluate(new EvalOptions { MinLossImprovement = 0 }, baseNan, Adapter, null).Passed, Is.False);
    }

    [Test]
    public void BaselineReportsAreReadOrRejectedClearly()
    {
        using var temp = new TempDirectory("baseline");
        var good = temp.Combine("report.json");
        File.WriteAllText(good, """{"metrics": {"base": {"loss": 4}, "adapter": {"loss": 2.5, "exact_match": 33.3}}}""");
        Assert.That(Gate.ReadBaseline(good), Is.EquivalentTo(new Dictionary<string, double> { ["loss"] = 2.5, ["exact_match"] = 33.3 }));
        var bad = temp.Combine("bad.json");
        File.WriteAllText(bad, "{ nope");
        Assert.That(() => Gate.ReadBaseline(bad), Throws.TypeOf<InvalidDataException>().With.Message.Contains(bad));
        Assert.That(() => Gate.ReadBaseline(temp.Combine("none.json")), Throws.TypeOf<InvalidDataException>().With.Message.Contains("does not exist"));
        File.WriteAllText(bad, """{"metrics": {}}""");
        Assert.That(() => Gate.ReadBaseline(bad), Throws.TypeOf<InvalidDataException>().With.Message.Contains("metrics.adapter"));
    }
}
