using System.Text.Json;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Hub;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>
/// The graph from an <c>hf:org/name@branch</c> source on the fake Hub (serving the tiny Llama with its real
/// tokenizer) to the package: every artifact that names the base pins the commit the branch resolved to, so
/// <c>AutoPeftModel</c> loads the base the adapter was trained on even after the branch moves.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class HubSourceEndToEndTests : HubTestBase
{
    private static readonly string[] Short =
    [
        "--set", "train.max_steps=4", "--set", "train.val_check_interval=4", "--set", "train.global_batch_size=4",
        "--set", "train.micro_batch_size=4", "--set", "eval.max_examples=4", "--set", "eval.max_new_tokens=4",
        "--set", "eval.max_eval_loss=1000", "--set", "model.source=hf:acme/tiny-llama@main",
    ];

    [Test]
    public void AdapterConfigReportAndModelCardCarryTheResolvedCommit()
    {
        var repo = FakeHubModels.AddTinyLlama(Hub, "acme/tiny-llama");
        var environment = new Dictionary<string, string?>
        {
            ["HF_ENDPOINT"] = Hub.Endpoint, ["HF_HOME"] = Temp.Combine("hf-home"), ["HF_TOKEN"] = null, ["HF_HUB_OFFLINE"] = null,
            ["HF_HUB_CACHE"] = null, ["GITHUB_TOKEN"] = null, ["GITHUB_REPOSITORY"] = null, ["GITHUB_ACTIONS"] = null,
        };
        var artifacts = Temp.Combine("a");
        foreach (var stage in new[] { "download", "convert", "prepare", "train", "evaluate", "publish" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, environment,
                [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, .. Short]);
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{stage}: {result.Output}");
        }
        Assert.That(repo.Sha, Does.Match("^[0-9a-f]{40}$"));

        Assert.That(ModelPointer.ResolvedCommit(artifacts), Is.EqualTo(repo.Sha), "download/source.json");
        using (var source = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "download", "source.json"))))
            Assert.That(source.RootElement.ToString(), Does.Contain(repo.Sha));

        var package = Directory.GetDirectories(Path.Combine(artifacts, "publish")).Single();
        foreach (var adapterConfig in new[] { Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder, ArtifactNames.AdapterConfig), Path.Combine(package, ArtifactNames.AdapterConfig) })
        {
            using var config = JsonDocument.Parse(File.ReadAllText(adapterConfig));
            Assert.That(config.RootElement.GetProperty("revision").GetString(), Is.EqualTo(repo.Sha), adapterConfig);
            Assert.That(config.RootElement.GetProperty("base_model_name_or_path").GetString(), Is.EqualTo("acme/tiny-llama"), adapterConfig);
        }

        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "evaluate", ArtifactNames.Report))))
        {
            var model = report.RootElement.GetProperty("model");
            Assert.That(model.GetProperty("commit").GetString(), Is.EqualTo(repo.Sha), "report.json model.commit");
            Assert.That(model.GetProperty("source").GetString(), Is.EqualTo("hf:acme/tiny-llama@main"));
        }

        var card = File.ReadAllText(Path.Combine(package, ArtifactNames.ModelCard));
        Assert.That(card, Does.Contain($"commit `{repo.Sha}`"), "the model card names the commit");
        Assert.That(card, Does.Contain($"revision=\"{repo.Sha}\""), "and its loading snippet pins it");
        Assert.That(card, Does.Contain("\nlicense: \"mit\"\n"), "the licence comes from the base model's README.md (the config sets none)");
    }
}
