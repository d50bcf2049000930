using LoraPipeline.Selection;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Selection;

/// <summary>Issue 18 point 1: the shipped catalogue's models and GPUs, and refusals of a bad user catalogue.</summary>
public class CatalogueTests
{
    // Parameter counts as the model cards publish them (billions) — an independent reference for the shipped dimensions.
    [TestCase("llama-2-7b", 6.74)]
    [TestCase("llama-2-13b", 13.02)]
    [TestCase("llama-2-70b", 68.98)]
    [TestCase("llama-3-8b", 8.03)]
    [TestCase("llama-3.1-70b", 70.55)]
    [TestCase("mistral-7b-v0.1", 7.24)]
    [TestCase("mixtral-8x7b-v0.1", 46.70)]
    [TestCase("qwen2-0.5b", 0.49)]
    [TestCase("qwen2.5-7b", 7.62)]
    [TestCase("qwen2.5-14b", 14.77)]
    [TestCase("qwen2.5-32b", 32.76)]
    [TestCase("qwen2.5-72b", 72.71)]
    public void ShippedDimensionsGiveThePublishedParameterCount(string name, double billions)
    {
        var model = Catalogue.Load().Models.Single(m => m.Name == name);
        Assert.That(model.TotalParameters / 1e9, Is.EqualTo(billions).Within(0.01 * billions + 0.005));
    }

    [Test]
    public void MixtralRoutesEachTokenThroughTwoOfEightExperts()
    {
        var mixtral = Catalogue.Load().Models.Single(m => m.Name == "mixtral-8x7b-v0.1");
        Assert.That(mixtral.IsMixtureOfExperts, Is.True);
        // Mistral's published active count: 12.9 B of 46.7 B per token.
        Assert.That(mixtral.ActiveParameters / 1e9, Is.EqualTo(12.9).Within(0.15));
        // One token streams its two experts and everything else but the input embedding (32000 × 4096, looked up).
        const double embedding = 32000.0 * 4096;
        Assert.That(mixtral.ParametersReadFor(1), Is.EqualTo(mixtral.ActiveParameters - embedding).Within(1e6));
        Assert.That(mixtral.ParametersReadFor(256), Is.EqualTo(mixtral.TotalParameters - embedding).Within(1e6), "a large batch touches every expert");
    }

    [Test]
    public void EveryFamilyAndGpuTheIssueNamesIsShipped()
    {
        var catalogue = Catalogue.Load();
        var names = catalogue.Models.Select(m => m.Name).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-8b", "llama-3.1-70b",
            "mistral-7b-v0.1", "mixtral-8x7b-v0.1", "qwen2-0.5b", "qwen2-72b", "qwen2.5-0.5b", "qwen2.5-72b" }));
        Assert.That(catalogue.Gpus.Select(g => g.Name), Is.SupersetOf(new[] { "A100-40GB", "A100-80GB", "H100-80GB", "H200", "L40S" }));
        Assert.That(catalogue.Models.Where(m => m.Family is "llama2" or "llama3").All(m => m.Gated), Is.True, "Meta's models are gated");
        Assert.That(catalogue.Models.All(m => m.License.Length > 0 && m.ContextLength >= 4096), Is.True);
    }

    [Test]
    public void UnknownGpuIsRefusedNamingItAndTheKnownOnes()
    {
        var catalogue = Catalogue.Load();
        var e = Assert.Throws<SelectionException>(() => HardwareSpec.Parse("2xB300", catalogue, () => throw new AssertionException("not measured"), "prod"))!;
        Assert.That(e.Message, Does.Contain("prod").And.Contain("B300").And.Contain("H200").And.Contain("A100-80GB"));
        Assert.That(HardwareSpec.Parse("2xh200", catalogue, () => throw new AssertionException("not measured"), "prod").Count, Is.EqualTo(2));
        Assert.That(HardwareSpec.Parse("A100-80GB", catalogue, () => throw new AssertionException("not measured"), "dev").Count, Is.EqualTo(1));
    }

    [Test]
    public void CandidateWithoutDimensionsIsRefusedNamingFileModelAndKey()
    {
        using var temp = new TempDirectory("catalogue");
        File.Copy(RepositoryPaths.Combine("configs", "catalogue", "gpus.json"), temp.Combine("gpus.json"));
        File.WriteAllText(temp.Combine("models.json"), """{"models": [{"name": "my-model", "hub_id": "me/my-model"}]}""");
        var e = Assert.Throws<SelectionException>(() => Catalogue.Load(temp.Path))!;
        Assert.That(e.Message, Does.Contain("models.json").And.Contain("my-model").And.Contain("config"));

        File.WriteAllText(temp.Combine("models.json"),
            """{"models": [{"name": "my-model", "hub_id": "me/my-model", "config": {"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 2}}]}""");
        e = Assert.Throws<SelectionException>(() => Catalogue.Load(temp.Path))!;
        Assert.That(e.Message, Does.Contain("my-model").And.Contain("hidden_size"));
    }

    [Test]
    public void UnknownUseCaseIsRefusedNamingTheKnownOnes()
    {
        var e = Assert.Throws<SelectionException>(() => SelectionTargets.Resolve("realtime", null, null, null))!;
        Assert.That(e.Message, Does.Contain("realtime").And.Contain("chatbot").And.Contain("assistant").And.Contain("batch"));
        Assert.That(SelectionTargets.Resolve("chatbot", 50, null, null).MaxTokenMilliseconds, Is.EqualTo(50), "an explicit bound replaces the use case's");
    }
}
