using LoraPipeline.Publishing;

namespace LoraPipeline.Tests.Publishing;

/// <summary>Publish checks the adapter as vLLM will load it: refusals stop it, a high rank warns naming the flag.</summary>
public class VllmLintTests
{
    private static readonly string[] Attention = ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj"];

    private static string Config(string extra = "") =>
        "{\"peft_type\": \"LORA\", \"r\": 16, \"lora_alpha\": 32, \"target_modules\": [\"q_proj\", \"v_proj\"], " +
        "\"modules_to_save\": null, \"use_dora\": false, \"rank_pattern\": {}" + extra + "}";

    [Test]
    public void OurDefaultAdapterPassesWithoutWarnings() =>
        Assert.That(VllmLint.Check(Config(), "adapter_config.json", Attention), Is.Empty);

    [TestCase("\"r\": 16", "\"r\": 32", 32, 32)]
    [TestCase("\"r\": 16", "\"r\": 48", 48, 64)]
    [TestCase("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 100}", 100, 128)]
    public void ARankAboveVllmsDefaultWarnsWithTheFlagToServeIt(string from, string to, int rank, int flag)
    {
        var warnings = VllmLint.Check(Config().Replace(from, to), "adapter_config.json", Attention);
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain($"rank {rank}").And.Contain("max_lora_rank 16").And.Contain($"--max-lora-rank {flag}"));
    }

    [Test]
    public void ARankNoFlagCoversIsSaidSo() =>
        Assert.That(VllmLint.Check(Config().Replace("\"r\": 16", "\"r\": 1024"), "a.json", Attention)[0], Does.Contain("cannot serve"));

    [TestCase("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save")]
    [TestCase("\"use_dora\": false", "\"use_dora\": true", "use_dora")]
    public void WhatVllmRefusesStopsPublish(string from, string to, string field)
    {
        var error = Assert.Throws<PublishException>(() => VllmLint.Check(Config().Replace(from, to), "pkg/adapter_config.json", Attention))!;
        Assert.That(error.Message, Does.Contain(field).And.Contain("pkg/adapter_config.json").And.Contain("vLLM"));
    }

    [Test]
    public void WeightsForAModuleVllmCannotAdaptStopPublish()
    {
        var error = Assert.Throws<PublishException>(() => VllmLint.Check(Config(), "a.json", [.. Attention, "model.layers.0.mlp.fc_in"]))!;
        Assert.That(error.Message, Does.Contain("fc_in").And.Contain("vLLM cannot adapt"));
    }
}
