using System.Text.Json.Nodes;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Selection;

/// <summary>Issue 18 point 3: <c>lora select</c> as a user runs it, and its refusals.</summary>
[Category("Integration")]
public class SelectCommandTests
{
    [Test]
    public void ChatbotOnTwoH200sChoosesACandidateThatMeetsEveryBound()
    {
        using var temp = new TempDirectory("select");
        var json = temp.Combine("choice-copy.json");
        var result = LoraProcess.Run(temp.Path, null, "select", "--use-case", "chatbot", "--dev", "1xA100-80GB", "--prod", "2xH200",
            "--json", json, "--out", temp.Combine("select"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("choice:"));
        foreach (var file in new[] { "choice.json", "report.md", "latency-throughput.png" })
            Assert.That(File.Exists(temp.Combine("select", file)), Is.True, file);
        Assert.That(File.ReadAllText(json), Is.EqualTo(File.ReadAllText(temp.Combine("select", "choice.json"))));

        var document = JsonNode.Parse(File.ReadAllText(json))!;
        var candidates = document["candidates"]!.AsArray();
        Assert.That(candidates.Count, Is.GreaterThanOrEqualTo(20));
        foreach (var c in candidates)
        {
            Assert.That(c!["name"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(c["trains_on_dev"]!.GetValue<string>(), Is.AnyOf("lora", "qlora", "no"));
            Assert.That(c["meets_targets"], Is.Not.Null);
        }
        var choice = document["choice"]!["name"]!.GetValue<string>();
        var chosen = candidates.Single(c => c!["name"]!.GetValue<string>() == choice)!;
        var production = chosen["production"]!;
        // The chatbot bounds, checked from the numbers the report gives (not from the code's own verdict).
        Assert.That(production["token_ms"]!.GetValue<double>(), Is.LessThan(100));
        Assert.That(production["first_token_ms"]!.GetValue<double>(), Is.LessThan(500));
        Assert.That(production["gpus"]!.GetValue<int>(), Is.LessThanOrEqualTo(2));
        Assert.That(chosen["trains_on_dev"]!.GetValue<string>(), Is.Not.EqualTo("no"));
        Assert.That(document["choice"]!["source"]!.GetValue<string>(), Does.StartWith("hf:"));
        // Mixtral cannot be trained here, so it never meets the targets.
        Assert.That(candidates.Single(c => c!["name"]!.GetValue<string>() == "mixtral-8x7b-v0.1")!["trains_on_dev"]!.GetValue<string>(), Is.EqualTo("no"));
        // 70B in bf16 does not train on one 80 GB GPU with LoRA; QLoRA's 4-bit base does.
        Assert.That(candidates.Single(c => c!["name"]!.GetValue<string>() == "llama-2-70b")!["trains_on_dev"]!.GetValue<string>(), Is.EqualTo("qlora"));
        Assert.That(File.ReadAllText(temp.Combine("select", "report.md")), Does.Contain("Choice: " + choice).And.Contain("## Assumptions"));
    }

    [Test]
    public void ATargetNoCandidateMeetsLeavesNoChoiceAndSaysSo()
    {
        using var temp = new TempDirectory("select");
        var result = LoraProcess.Run(temp.Path, null, "select", "--max-token-ms", "0.01", "--dev", "1xH100-80GB", "--prod", "1xL40S",
            "--candidates", "llama-2-7b,qwen2.5-0.5b", "--out", temp.Combine("out"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("none meets every target"));
        var document = JsonNode.Parse(File.ReadAllText(temp.Combine("out", "choice.json")))!;
        Assert.That(document["choice"], Is.Null);
        Assert.That(document["candidates"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "llama-2-7b", "qwen2.5-0.5b" }));
    }

    [TestCase("--prod", "2xB300", "B300")]
    [TestCase("--dev", "0xH200", "GPU count")]
    [TestCase("--use-case", "realtime", "realtime")]
    [TestCase("--candidates", "gpt-5", "gpt-5")]
    [TestCase("--precision", "int3", "int3")]
    public void BadInputIsOneLineNamingIt(string option, string value, string named)
    {
        using var temp = new TempDirectory("select");
        var args = new List<string> { "select", "--use-case", "chatbot", "--dev", "1xA100-80GB", "--prod", "2xH200", "--out", temp.Combine("out") };
        var at = args.IndexOf(option);
        if (at < 0) args.AddRange([option, value]);
        else args[at + 1] = value;
        var result = LoraProcess.Run(temp.Path, null, [.. args]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.StdErr, Does.Contain(named));
        Assert.That(result.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1), result.StdErr);
        Assert.That(result.StdErr, Does.Not.Contain("   at "));
        Assert.That(Directory.Exists(temp.Combine("out")), Is.False, "nothing written for bad input");
    }

    [Test]
    public void FpEightOnAnA100IsRefused()
    {
        using var temp = new TempDirectory("select");
        var result = LoraProcess.Run(temp.Path, null, "select", "--use-case", "batch", "--dev", "1xA100-80GB", "--prod", "4xA100-80GB", "--precision", "fp8");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
        Assert.That(result.StdErr, Does.Contain("A100-80GB").And.Contain("fp8"));
    }
}
