using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Hub;
using LoraPipeline.Tests.Hub;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Selection;

/// <summary>
/// Issue 18 point 3: the Select stage from a config writes <c>select/choice.json</c>, and <c>model.source: select:</c>
/// makes Download fetch the choice from the (fake) Hub.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class SelectStageTests : HubTestBase
{
    [Test]
    public void DownloadTakesTheSelectedModel()
    {
        var repo = FakeHubModels.AddTinyLlama(Hub, "acme/tiny-llama");
        // A user catalogue: the tiny Llama (fits anything) and Llama 2 70B (does not fit one L40S in bf16).
        var catalogue = Temp.Combine("catalogue");
        Directory.CreateDirectory(catalogue);
        File.Copy(RepositoryPaths.Combine("configs", "catalogue", "gpus.json"), Path.Combine(catalogue, "gpus.json"));
        var shipped = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Combine("configs", "catalogue", "models.json")))!["models"]!.AsArray();
        var big = shipped.Single(m => m!["name"]!.GetValue<string>() == "llama-2-70b")!.DeepClone();
        var tiny = new JsonObject
        {
            ["name"] = "acme-tiny", ["hub_id"] = "acme/tiny-llama", ["family"] = "llama2", ["context_length"] = 2048,
            ["license"] = "apache-2.0", ["gated"] = false, ["config"] = BuiltinTinyLlama.ConfigJson(),
        };
        File.WriteAllText(Path.Combine(catalogue, "models.json"), new JsonObject { ["models"] = new JsonArray(big, tiny) }.ToJsonString());

        var environment = new Dictionary<string, string?>
        {
            ["HF_ENDPOINT"] = Hub.Endpoint, ["HF_HOME"] = Temp.Combine("hf-home"), ["HF_TOKEN"] = null, ["HF_HUB_OFFLINE"] = null, ["HF_HUB_CACHE"] = null,
        };
        var artifacts = Temp.Combine("a");
        string[] Args(string stage) =>
        [
            stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, "--set", "model.source=select:choice",
            "--set", "select.dev=1xL40S", "--set", "select.prod=1xL40S", "--set", $"select.catalogue={catalogue}",
            "--set", "select.prompt_tokens=512", "--set", "select.new_tokens=64",
        ];

        var early = LoraProcess.Run(RepositoryPaths.Root, environment, Args("download"));
        Assert.That(early.ExitCode, Is.EqualTo(2), early.Output);
        Assert.That(early.StdErr, Does.Contain("model.source").And.Contain("choice.json").And.Contain("--target=Select"));

        var select = LoraProcess.Run(RepositoryPaths.Root, environment, Args("select"));
        Assert.That(select.ExitCode, Is.EqualTo(0), select.Output);
        using (var choice = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "select", "choice.json"))))
        {
            Assert.That(choice.RootElement.GetProperty("choice").GetProperty("source").GetString(), Is.EqualTo("hf:acme/tiny-llama"));
            var bigEntry = choice.RootElement.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "llama-2-70b");
            Assert.That(bigEntry.GetProperty("meets_targets").GetBoolean(), Is.False);
        }
        Assert.That(File.Exists(Path.Combine(artifacts, "select", "latency-throughput.png")), Is.True);

        var download = LoraProcess.Run(RepositoryPaths.Root, environment, Args("download"));
        Assert.That(download.ExitCode, Is.EqualTo(0), download.Output);
        Assert.That(download.StdOut, Does.Contain("select:choice -> hf:acme/tiny-llama"));
        Assert.That(LoraPipeline.Pipeline.ModelPointer.ResolvedCommit(artifacts), Is.EqualTo(repo.Sha), "Download fetched the chosen repository");
    }

    [Test]
    public void SelectWithoutHardwareNamesTheKey()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null,
            "select", "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", Temp.Combine("b"));
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.Output);
        Assert.That(result.StdErr, Does.Contain("select.dev"));
    }
}
