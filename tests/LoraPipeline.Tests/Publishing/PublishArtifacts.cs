using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;
using LoraPipeline.Publishing;
using LoraPipeline.Tests.Support;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Publishing;

/// <summary>
/// A run's artifacts as Publish reads them, written by hand to the file contracts of Convert, Prepare, Train and Evaluate:
/// download/source.json (the base's licence), a real small PEFT adapter (safetensors + adapter_config.json), tokenizer files, prompt_format.json, report.json with a gate
/// verdict, report.md and plots, and a stage.json in each folder.
/// </summary>
internal sealed class PublishArtifacts : IDisposable
{
    public const string Repository = "acme/rag-adapters";
    private readonly StringWriter _log = new();
    private int _generation;

    public PublishArtifacts()
    {
        Temp = new TempDirectory("publish");
        WriteDownload(new BaseModelLicense("apache-2.0"));
        WriteConvert();
        WritePrepare();
        WriteAdapter(seed: 1);
        WriteReport(passed: true, reasons: [], adapterSha: AdapterSha);
    }

    public TempDirectory Temp { get; }

    public string Artifacts => Temp.Combine("artifacts");

    public string Dir(string stage) => Path.Combine(Artifacts, stage);

    public string PublishDirectory => Dir("publish");

    public string AdapterPath => Path.Combine(Dir("train"), ArtifactNames.AdapterFolder, ArtifactNames.AdapterWeights);

    public string AdapterSha => FileHashing.Sha256File(AdapterPath);

    /// <summary>Everything written to the console so far.</summary>
    public string Console => _log.ToString();

    public PipelineRun Run(params string[] overrides)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_log), ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 1000;
        return new(ConfigLoader.Parse("", "test.yaml", overrides), Artifacts, Temp.Path, console);
    }

    public static Func<string, string?> Environment(string? token, string? apiUrl, string? repository = Repository) =>
        name => name switch
        {
            "GITHUB_TOKEN" => token,
            "GITHUB_API_URL" => apiUrl,
            "GITHUB_REPOSITORY" => repository,
            _ => null,
        };

    public Task<StageOutcome> PublishAsync(Func<string, string?> environment, params string[] overrides) =>
        StageRunner.RunAsync(new PublishStage(environment), Run(overrides));

    /// <summary>Writes a random base model that the fixture adapter fits (2 layers, hidden 16) into convert/ and marks Convert as rerun.</summary>
    public void WriteBaseModel()
    {
        var config = LoraPipeline.Modeling.ModelConfigs.Llama(hidden: 16, layers: 2, heads: 2, kvHeads: 2, intermediate: 32, vocab: 64);
        using var model = LoraPipeline.Modeling.LlamaForCausalLM.CreateRandom(config, seed: 3, TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
        SafetensorsWriter.Save(Path.Combine(Dir("convert"), "model.safetensors"),
            model.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter)).ToList());
        File.WriteAllText(Path.Combine(Dir("convert"), "config.json"), new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["hidden_size"] = 16, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 2,
            ["num_key_value_heads"] = 2, ["intermediate_size"] = 32, ["vocab_size"] = 64, ["rms_norm_eps"] = 1e-5, ["torch_dtype"] = "float32",
        }.ToJsonString());
        Manifest("convert");
    }

    /// <summary>Writes a new adapter (different weights for a different seed) and marks Train as rerun.</summary>
    public void WriteAdapter(int seed)
    {
        var adapter = Path.Combine(Dir("train"), ArtifactNames.AdapterFolder);
        Directory.CreateDirectory(adapter);
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var module in new[] { "q_proj", "v_proj" })
            for (var layer = 0; layer < 2; layer++)
            {
                var prefix = $"base_model.model.model.layers.{layer}.self_attn.{module}";
                tensors.Add(new($"{prefix}.lora_A.weight", randn([4, 16], generator: generator)));
                tensors.Add(new($"{prefix}.lora_B.weight", randn([16, 4], generator: generator)));
            }
        SafetensorsWriter.Save(Path.Combine(adapter, ArtifactNames.AdapterWeights), tensors);
        var config = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(), ["base_model_name_or_path"] = "acme/tiny-llama", ["bias"] = "none",
            ["fan_in_fan_out"] = false, ["inference_mode"] = true, ["init_lora_weights"] = true, ["layers_pattern"] = null,
            ["layers_to_transform"] = null, ["lora_alpha"] = 16, ["lora_dropout"] = 0.05, ["modules_to_save"] = null,
            ["peft_type"] = "LORA", ["r"] = 4, ["rank_pattern"] = new JsonObject(), ["revision"] = null,
            ["target_modules"] = new JsonArray("q_proj", "v_proj"), ["task_type"] = "CAUSAL_LM", ["use_dora"] = false, ["use_rslora"] = false,
        };
        File.WriteAllText(Path.Combine(adapter, ArtifactNames.AdapterConfig), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllBytes(Path.Combine(Dir("train"), ArtifactNames.LossPlot), FakePng(seed));
        File.WriteAllText(Path.Combine(Dir("train"), ArtifactNames.TrainMetrics), "{\"step\":1,\"loss\":2.5}\n");
        Manifest("train");
    }

    /// <summary>Writes evaluate/ with a gate verdict and marks Evaluate as rerun.</summary>
    public void WriteReport(bool passed, string[] reasons, string adapterSha, string modelSource = "hf:acme/tiny-llama@main")
    {
        var report = new JsonObject
        {
            ["gate"] = new JsonObject { ["passed"] = passed, ["reasons"] = new JsonArray(reasons.Select(r => (JsonNode?)r).ToArray()), ["adapter_sha256"] = adapterSha },
            ["metrics"] = new JsonObject
            {
                ["base"] = new JsonObject { ["loss"] = 2.5, ["perplexity"] = 12.18, ["exact_match"] = 10.0, ["token_f1"] = 30.5, ["refusal_accuracy"] = 40.0 },
                ["adapter"] = new JsonObject { ["loss"] = 1.25, ["perplexity"] = 3.49, ["exact_match"] = 55.0, ["token_f1"] = 71.25, ["refusal_accuracy"] = 90.0 },
            },
            ["model"] = new JsonObject { ["source"] = modelSource, ["revision"] = "main", ["commit"] = "0123456789abcdef0123456789abcdef01234567" },
            ["dataset"] = "datasets/acme",
            ["config"] = new JsonObject { ["lora"] = new JsonObject { ["r"] = 4 } },
        };
        Directory.CreateDirectory(Dir("evaluate"));
        File.WriteAllText(Path.Combine(Dir("evaluate"), ArtifactNames.Report), report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(Dir("evaluate"), ArtifactNames.ReportMarkdown), $"# Evaluation\n\ngate passed: {passed}\n");
        File.WriteAllBytes(Path.Combine(Dir("evaluate"), ArtifactNames.MetricsPlot), FakePng(99));
        Manifest("evaluate");
    }

    /// <summary>Writes download/source.json for the hf: base of the report, with the licence its card declared (null: none).</summary>
    public void WriteDownload(BaseModelLicense? license)
    {
        Directory.CreateDirectory(Dir("download"));
        new ModelPointer("hf:acme/tiny-llama@main", "Hub", Temp.Combine("hf-home", "snapshot"), "0123456789abcdef0123456789abcdef01234567", license)
            .Write(Dir("download"));
    }

    private void WriteConvert()
    {
        Directory.CreateDirectory(Dir("convert"));
        File.WriteAllText(Path.Combine(Dir("convert"), "tokenizer.json"), "{\"version\":\"1.0\",\"model\":{\"type\":\"BPE\"}}\n");
        File.WriteAllText(Path.Combine(Dir("convert"), "tokenizer_config.json"), "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}\n");
        File.WriteAllText(Path.Combine(Dir("convert"), "config.json"), "{\"model_type\":\"llama\"}\n");
        Manifest("convert");
    }

    private void WritePrepare()
    {
        Directory.CreateDirectory(Dir("prepare"));
        new PromptFormatRecord(PromptFormat.Llama3, "Answer from the context.", "I cannot answer that from the documents.", "<|eot_id|>", 128009, 128000)
            .Write(Dir("prepare"));
        Manifest("prepare");
    }

    /// <summary>A stage.json with a fresh fingerprint, as if the stage had just run.</summary>
    private void Manifest(string stage) => new StageManifest
    {
        Stage = stage,
        Fingerprint = $"{stage}-{++_generation:D4}".PadRight(64, '0'),
        CoreVersion = CoreInfo.Version,
    }.Write(Dir(stage));

    private static byte[] FakePng(int seed)
    {
        var bytes = new byte[256];
        new Random(seed).NextBytes(bytes);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    public void Dispose()
    {
        Temp.Dispose();
        _log.Dispose();
    }
}
