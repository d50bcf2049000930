using LoraPipeline.Evaluation;
using LoraPipeline.Publishing;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Evaluation;

/// <summary>report.json has one owner: what Evaluate writes is what the gate check, Publish and a baseline read back.</summary>
public class ReportRoundTripTests
{
    private static EvaluationReport Sample(bool passed) => new()
    {
        Gate = GateVerdict.From([new GateCheck("min_loss_improvement", passed, "loss 3 -> 2")]) with { AdapterSha256 = new string('a', 64) },
        Metrics = new()
        {
            ["base"] = new() { ["loss"] = 3.0, ["refusal_accuracy"] = double.NaN },
            ["adapter"] = new() { ["loss"] = 2.0, ["exact_match"] = 40.0 },
        },
        Model = new() { ["source"] = "hf:acme/tiny", ["revision"] = "abc" },
        Dataset = "datasets/acme",
        Examples = 7,
        PromptFormat = "plain",
    };

    [Test]
    public void WhatIsWrittenIsWhatEveryReaderSees()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("report.json");
        File.WriteAllText(path, Sample(passed: false).ToJson());
        var read = EvaluationReport.Read(path);
        Assert.Multiple(() =>
        {
            Assert.That(read.Gate!.Passed, Is.False);
            Assert.That(read.Gate.Reasons, Is.EqualTo(new[] { "min_loss_improvement: loss 3 -> 2" }));
            Assert.That(read.Gate.Checks.Single().Name, Is.EqualTo("min_loss_improvement"));
            Assert.That(read.Gate.AdapterSha256, Is.EqualTo(new string('a', 64)));
            Assert.That(read.BaseMetrics, Is.EquivalentTo(new Dictionary<string, double> { ["loss"] = 3.0 }), "unmeasured (NaN, null in JSON) is left out");
            Assert.That(read.AdapterMetrics["exact_match"], Is.EqualTo(40.0));
            Assert.That(read.ModelSource, Is.EqualTo("hf:acme/tiny"));
            Assert.That(read.ModelRevision, Is.EqualTo("abc"));
            Assert.That(Gate.ParseBaseline(File.ReadAllText(path), path), Is.EquivalentTo(read.AdapterMetrics));
        });
        Assert.That(File.ReadAllText(path), Does.Contain("\"refusal_accuracy\": null").And.Contain("\"adapter_sha256\""));
        var refused = Assert.Throws<PublishException>(() => PublishGate.Require(PublishGate.ReadReport(path), new string('a', 64), path, "adapter"))!;
        Assert.That(refused.Message, Does.Contain("gate failed (min_loss_improvement: loss 3 -> 2)"));
        File.WriteAllText(path, Sample(passed: true).ToJson());
        Assert.DoesNotThrow(() => PublishGate.Require(PublishGate.ReadReport(path), new string('A', 64), path, "adapter"));
    }

    [Test]
    public void AReportWithoutAGateServesAsABaselineButNotForPublishing()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("report.json");
        File.WriteAllText(path, """{"metrics": {"base": {"loss": 4}, "adapter": {"loss": 2.5}}}""");
        Assert.That(Gate.ReadBaseline(path)["loss"], Is.EqualTo(2.5));
        Assert.That(Assert.Throws<PublishException>(() => PublishGate.ReadReport(path))!.Message, Does.Contain(path).And.Contain("no gate verdict"));
        File.WriteAllText(path, """{"gate": {"passed": "yes"}, "metrics": {"adapter": {}}}""");
        Assert.That(Assert.Throws<PublishException>(() => PublishGate.ReadReport(path))!.Message, Does.Contain(path).And.Contain("gate.passed"));
    }
}
