using System.IO.Compression;
using System.Security.Cryptography;
using LoraPipeline.Pipeline;
using LoraPipeline.Publishing;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Tests.Publishing;

/// <summary>The package in publish/: contents, zip, SHA256SUMS, model card, and the gate precondition. No GitHub involved.</summary>
public class PublishPackageTests
{
    private const string Tag = "adapter-v0.1.0";
    private PublishArtifacts _artifacts = null!;

    [SetUp]
    public void SetUp() => _artifacts = new PublishArtifacts();

    [TearDown]
    public void TearDown() => _artifacts.Dispose();

    private static readonly Func<string, string?> NoGitHub = PublishArtifacts.Environment(null, null, null);

    private string Folder => Path.Combine(_artifacts.PublishDirectory, Tag);

    [Test]
    public async Task PackageHoldsAdapterTokenizerPromptFormatCardReportAndPlots()
    {
        Assert.That(await _artifacts.PublishAsync(NoGitHub), Is.EqualTo(StageOutcome.Ran));
        var files = Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(files, Is.EqualTo(new[]
        {
            ArtifactNames.ModelCard, ArtifactNames.Checksums, ArtifactNames.AdapterConfig, ArtifactNames.AdapterWeights, "chat_template.jinja", ArtifactNames.LossPlot,
            ArtifactNames.MetricsPlot, ArtifactNames.PromptFormat, ArtifactNames.Report, ArtifactNames.ReportMarkdown, "tokenizer.json", "tokenizer_config.json",
        }));
        Assert.That(File.ReadAllBytes(Path.Combine(Folder, ArtifactNames.AdapterWeights)), Is.EqualTo(File.ReadAllBytes(_artifacts.AdapterPath)));
        Assert.That(File.ReadAllBytes(Path.Combine(Folder, "tokenizer.json")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(_artifacts.Dir("convert"), "tokenizer.json"))));
        Assert.That(File.Exists(Path.Combine(Folder, "config.json")), Is.False, "the base model's config.json is not part of an adapter package");
        var tokenizerConfig = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "tokenizer_config.json")))!;
        Assert.That(tokenizerConfig["eos_token"]!.GetValue<string>(), Is.EqualTo("</s>"), "the base model's keys are kept");
        Assert.That(tokenizerConfig["chat_template"]!.GetValue<string>(), Is.EqualTo(File.ReadAllText(Path.Combine(Folder, "chat_template.jinja"))),
            "the training prompt format travels as the chat_template");
    }

    [Test]
    public async Task ZipHoldsExactlyThePackageFolderAndBothSha256SumsVerify()
    {
        await _artifacts.PublishAsync(NoGitHub);
        var zipPath = Path.Combine(_artifacts.PublishDirectory, ArtifactNames.PackageZip(Tag));
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            var folderFiles = Directory.EnumerateFiles(Folder).Select(f => $"{Tag}/{Path.GetFileName(f)}").Order(StringComparer.Ordinal);
            Assert.That(zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal), Is.EqualTo(folderFiles));
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                Assert.That(copy.ToArray(), Is.EqualTo(File.ReadAllBytes(Path.Combine(_artifacts.PublishDirectory, entry.FullName))), entry.FullName);
            }
        }

        // Independent check of both SHA256SUMS files: parse "<64 hex>  <name>" lines by hand and hash with SHA256 directly.
        foreach (var (directory, sumsFile, expectedCount) in new[]
                 {
                     (_artifacts.PublishDirectory, Path.Combine(_artifacts.PublishDirectory, ArtifactNames.Checksums), 13),
                     (Folder, Path.Combine(Folder, ArtifactNames.Checksums), 11),
                 })
        {
            var lines = File.ReadAllLines(sumsFile);
            Assert.That(lines, Has.Length.EqualTo(expectedCount), sumsFile);
            foreach (var line in lines)
            {
                Assert.That(line, Does.Match("^[0-9a-f]{64}  [^ ].*$"), "sha256sum format");
                var name = line[66..];
                var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, name))));
                Assert.That(line[..64], Is.EqualTo(actual), name);
            }
        }
        Assert.That(File.ReadAllText(Path.Combine(_artifacts.PublishDirectory, ArtifactNames.Checksums)), Does.Contain($"  {ArtifactNames.PackageZip(Tag)}\n"));
    }

    [Test]
    public void PackagingLintsTheAdapterAsVllmWould()
    {
        var config = Path.Combine(_artifacts.Artifacts, "train", ArtifactNames.AdapterFolder, ArtifactNames.AdapterConfig);
        var sources = PackageSources.FromArtifacts(_artifacts.Artifacts);
        var log = new List<string>();
        AdapterPackager.Build(sources, _artifacts.Temp.Combine("ok"), _artifacts.Run().Config, Tag, log.Add);
        Assert.That(log, Has.None.Contains("vLLM"), "r 4 on q/v: nothing to say");

        File.WriteAllText(config, File.ReadAllText(config).Replace("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]"));
        var error = Assert.Throws<PublishException>(() => AdapterPackager.Build(sources, _artifacts.Temp.Combine("refused"), _artifacts.Run().Config, Tag))!;
        Assert.That(error.Message, Does.Contain("modules_to_save").And.Contain("vLLM"));
    }

    [Test]
    public async Task PackageIsByteForByteReproducible()
    {
        await _artifacts.PublishAsync(NoGitHub);
        var first = File.ReadAllBytes(Path.Combine(_artifacts.PublishDirectory, ArtifactNames.Checksums));
        using var again = new PublishArtifacts();
        var package = AdapterPackager.Build(PackageSources.FromArtifacts(_artifacts.Artifacts), again.Temp.Combine("out"), _artifacts.Run().Config, Tag);
        Assert.That(File.ReadAllBytes(package.SumsPath), Is.EqualTo(first), "same inputs must give the same zip and files");
    }

    [Test]
    public async Task ModelCardHasHuggingFaceFrontMatterAndTheEvaluationTable()
    {
        await _artifacts.PublishAsync(NoGitHub, "publish.license=mit", "publish.language=[de, en]");
        var card = File.ReadAllText(Path.Combine(Folder, ArtifactNames.ModelCard));
        Assert.That(card, Does.StartWith("---\n"));
        var end = card.IndexOf("\n---\n", 4, StringComparison.Ordinal);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(card[4..end]));
        var front = (YamlMappingNode)yaml.Documents[0].RootNode;
        string Scalar(string key) => ((YamlScalarNode)front[key]).Value!;
        Assert.That(Scalar("base_model"), Is.EqualTo("acme/tiny-llama"));
        Assert.That(Scalar("library_name"), Is.EqualTo("peft"));
        Assert.That(Scalar("license"), Is.EqualTo("mit"));
        Assert.That(Scalar("pipeline_tag"), Is.EqualTo("text-generation"));
        var tags = ((YamlSequenceNode)front["tags"]).Children.Select(t => ((YamlScalarNode)t).Value);
        Assert.That(tags, Is.SupersetOf(new[] { "lora", "peft", "rag" }));
        Assert.That(((YamlSequenceNode)front["language"]).Children.Select(t => ((YamlScalarNode)t).Value), Is.EqualTo(new[] { "de", "en" }));
        Assert.That(front.Children.ContainsKey("datasets"), Is.False, "datasets/acme is a local folder, not a Hub dataset id");

        // model-index: the holdout results of the adapter and of the base alone, as the report holds them.
        var index = (YamlMappingNode)((YamlSequenceNode)front["model-index"]).Children.Single();
        Assert.That(((YamlScalarNode)index["name"]).Value, Is.EqualTo("adapter-v0.1.0"));
        var result = (YamlMappingNode)((YamlSequenceNode)index["results"]).Children.Single();
        var dataset = (YamlMappingNode)result["dataset"];
        Assert.That(((YamlScalarNode)dataset["split"]).Value, Is.EqualTo("test"));
        Assert.That(((YamlScalarNode)((YamlMappingNode)result["task"])["type"]).Value, Is.EqualTo("question-answering"));
        var metrics = ((YamlSequenceNode)result["metrics"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(m => ((YamlScalarNode)m["name"]).Value!, m => (Type: ((YamlScalarNode)m["type"]).Value, Value: double.Parse(((YamlScalarNode)m["value"]).Value!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(metrics["Holdout loss"], Is.EqualTo(("loss", 1.25)));
        Assert.That(metrics["Holdout loss (base model)"], Is.EqualTo(("loss", 2.5)));
        Assert.That(metrics["Exact match"], Is.EqualTo(("exact_match", 55.0)));
        Assert.That(metrics["Exact match (base model)"], Is.EqualTo(("exact_match", 10.0)));
        Assert.That(metrics["Token F1"], Is.EqualTo(("f1", 71.25)));
        Assert.That(metrics["Token F1 (base model)"], Is.EqualTo(("f1", 30.5)));
        Assert.That(metrics["Refusal accuracy"], Is.EqualTo(("accuracy", 90.0)));
        Assert.That(metrics["Refusal accuracy (base model)"], Is.EqualTo(("accuracy", 40.0)));
        Assert.That(metrics.Keys, Has.None.Contains("ROUGE"), "a metric the report lacks is left out, not written as 0");

        var body = card[(end + 5)..];
        Assert.That(body, Does.Contain("| loss (lower is better) | 2.5 | 1.25 | -1.25 |"));
        Assert.That(body, Does.Contain("| exact_match | 10 | 55 | +45 |"));
        Assert.That(body, Does.Contain("**Gate: passed**"));
        Assert.That(body, Does.Contain($"| lora.r | {new LoraPipeline.Configuration.PipelineConfig().Lora.R} |"), "hyperparameters come from the config");
        Assert.That(body, Does.Contain("PeftModel.from_pretrained(base, \"adapter-v0.1.0\")"));
        Assert.That(body, Does.Contain("dtype=\"auto\"").And.Not.Contain("torch_dtype"), "transformers renamed torch_dtype to dtype");
        Assert.That(body, Does.Contain("revision=\"0123456789abcdef0123456789abcdef01234567\""), "the snippet loads the resolved commit, not the moving branch");
        Assert.That(body, Does.Contain("at revision `main` (commit `0123456789abcdef0123456789abcdef01234567`"));
        Assert.That(body, Does.Contain("lora generate --model <base model folder> --adapter adapter-v0.1.0"));
        foreach (var section in new[] { "## Training setup", "## Hyperparameters", "## Evaluation", "## Intended use", "## Limits", "## How to use" })
            Assert.That(body, Does.Contain(section));
        Assert.That(body, Does.Contain("`llama3`"), "the prompt format used in training");
    }

    private string CardFrontMatter()
    {
        var card = File.ReadAllText(Path.Combine(Folder, ArtifactNames.ModelCard));
        return card[..card.IndexOf("\n---\n", 4, StringComparison.Ordinal)];
    }

    // Issue 16 point 5: the card's licence is the base model card's when the config sets none.
    [Test]
    public async Task TheCardTakesTheBaseModelsLicenceWithItsNameAndLink()
    {
        _artifacts.WriteDownload(new BaseModelLicense("other", "acme-community", "https://example.test/LICENSE"));
        Assert.That(await _artifacts.PublishAsync(NoGitHub), Is.EqualTo(StageOutcome.Ran));
        Assert.That(CardFrontMatter(), Does.Contain("\nlicense: \"other\"\nlicense_name: \"acme-community\"\nlicense_link: \"https://example.test/LICENSE\"\n"));
        Assert.That(_artifacts.Console, Does.Not.Contain("warning"));
    }

    [Test]
    public async Task AConfiguredLicenceThatDiffersFromTheBasesWinsWithAWarning()
    {
        _artifacts.WriteDownload(new BaseModelLicense("llama3.1"));
        Assert.That(await _artifacts.PublishAsync(NoGitHub, "publish.license=apache-2.0"), Is.EqualTo(StageOutcome.Ran));
        Assert.That(CardFrontMatter(), Does.Contain("\nlicense: \"apache-2.0\"\n").And.Not.Contain("llama3.1"));
        Assert.That(_artifacts.Console, Does.Contain("warning: publish.license is apache-2.0, but the base model's card declares llama3.1"));
    }

    [Test]
    public void AnHfBaseWhoseCardNamesNoLicenceNeedsPublishLicense_AndNothingIsWritten()
    {
        _artifacts.WriteDownload(license: null);
        var e = Assert.ThrowsAsync<PublishException>(() => _artifacts.PublishAsync(NoGitHub));
        Assert.That(e!.Message, Does.StartWith("publish.license: the card (README.md) of the base model hf:acme/tiny-llama@main declares no licence")
            .And.Contain("--set publish.license="));
        Assert.That(Directory.Exists(Folder), Is.False, "refused before the package folder is made");
    }

    [Test]
    public async Task ALocalBaseWithNoKnownLicenceGetsACardWithoutLicense()
    {
        _artifacts.WriteDownload(license: null);
        _artifacts.WriteReport(passed: true, reasons: [], adapterSha: _artifacts.AdapterSha, modelSource: "models/local-llama");
        Assert.That(await _artifacts.PublishAsync(NoGitHub), Is.EqualTo(StageOutcome.Ran));
        Assert.That(CardFrontMatter(), Does.Not.Contain("license"));
        Assert.That(_artifacts.Console, Does.Contain("no licence known for the base models/local-llama"));
    }

    [Test]
    public void AFailedGateIsRefusedNamingItsReasonsAndWritesNothing()
    {
        _artifacts.WriteReport(passed: false, reasons: ["exact_match 12.5 < eval.min_exact_match 50"], adapterSha: _artifacts.AdapterSha);
        var e = Assert.ThrowsAsync<PublishException>(() => _artifacts.PublishAsync(NoGitHub));
        Assert.That(e!.Message, Does.Contain("gate failed").And.Contain("exact_match 12.5 < eval.min_exact_match 50"));
        Assert.That(Directory.Exists(_artifacts.PublishDirectory), Is.False);
    }

    [Test]
    public void AVerdictForAnotherAdapterIsRefusedNamingBothHashes()
    {
        var evaluated = new string('a', 64);
        _artifacts.WriteReport(passed: true, reasons: [], adapterSha: evaluated);
        var e = Assert.ThrowsAsync<PublishException>(() => _artifacts.PublishAsync(NoGitHub));
        Assert.That(e!.Message, Does.Contain(evaluated).And.Contain(_artifacts.AdapterSha));
        Assert.That(Directory.Exists(_artifacts.PublishDirectory), Is.False);
    }

    [Test]
    public void AReportWithoutAdapterHashIsRefused()
    {
        _artifacts.WriteReport(passed: true, reasons: [], adapterSha: "");
        var e = Assert.ThrowsAsync<PublishException>(() => _artifacts.PublishAsync(NoGitHub));
        Assert.That(e!.Message, Does.Contain("adapter_sha256"));
    }

    [Test]
    public async Task APackageChangedAfterItWasBuiltIsNotOpenedForRelease()
    {
        await _artifacts.PublishAsync(NoGitHub);
        var packaged = Path.Combine(Folder, ArtifactNames.AdapterWeights);
        var bytes = File.ReadAllBytes(packaged);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(packaged, bytes);
        var e = Assert.Throws<PublishException>(() => AdapterPackage.Open(_artifacts.PublishDirectory, Tag));
        Assert.That(e!.Message, Does.Contain($"{Tag}/{ArtifactNames.AdapterWeights}"));
    }

    [Test]
    public async Task WithoutTokenOrRepositoryThePackageIsWrittenAndTheReleaseSkippedWithTheReason()
    {
        Assert.That(await _artifacts.PublishAsync(PublishArtifacts.Environment(null, null, PublishArtifacts.Repository)), Is.EqualTo(StageOutcome.Ran));
        Assert.That(_artifacts.Console, Does.Contain("GitHub release skipped: GITHUB_TOKEN is not set"));
        Assert.That(await _artifacts.PublishAsync(PublishArtifacts.Environment("t", null, null)), Is.EqualTo(StageOutcome.UpToDate));
        Assert.That(_artifacts.Console, Does.Contain("GitHub release skipped: no repository is configured"));
        Assert.That(File.Exists(Path.Combine(_artifacts.PublishDirectory, ArtifactNames.PackageZip(Tag))), Is.True);
    }

    [Test]
    public async Task IncludeMergedPackagesTheMergedCheckpoint()
    {
        _artifacts.WriteBaseModel();
        await _artifacts.PublishAsync(NoGitHub, "publish.include_merged=true");
        var merged = Path.Combine(_artifacts.PublishDirectory, Tag, ArtifactNames.MergedFolder);
        Assert.That(File.Exists(Path.Combine(merged, "model.safetensors")) && File.Exists(Path.Combine(merged, "config.json")), Is.True);
        // The merged weights differ from the base exactly where the adapter applies: q_proj and v_proj, not k_proj.
        using var baseFile = LoraPipeline.Checkpoints.SafetensorsFile.Open(Path.Combine(_artifacts.Dir("convert"), "model.safetensors"));
        using var mergedFile = LoraPipeline.Checkpoints.SafetensorsFile.Open(Path.Combine(merged, "model.safetensors"));
        foreach (var (module, changed) in new[] { ("q_proj", true), ("v_proj", true), ("k_proj", false) })
        {
            var name = $"model.layers.1.self_attn.{module}.weight";
            using var a = baseFile.Read(name, TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
            using var b = mergedFile.Read(name, TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
            Assert.That(a.equal(b).all().item<bool>(), Is.EqualTo(!changed), name);
        }
        using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(_artifacts.PublishDirectory, ArtifactNames.PackageZip(Tag)));
        Assert.That(zip.Entries.Select(e => e.FullName), Does.Contain($"{Tag}/{ArtifactNames.MergedFolder}/model.safetensors"));
    }
}
