using System.Text.Json;
using LoraPipeline.Checkpoints;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Tests.Modeling;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Lora;

/// <summary><c>lora merge</c> and <c>--adapter</c> through the real CLI process.</summary>
[Category("Integration")]
public class LoraCliTests
{
    private static (float[,] Logits, int[] Greedy) SaveRandomAdapter(string dir, string modelDir)
    {
        using var model = LoadModel(modelDir);
        var adapter = LoraInjector.Apply(model, Options(), seed: 21);
        RandomizeB(adapter, 22);
        PeftAdapter.Save(adapter, dir, modelDir);
        var greedy = ModelRunner.Generate(model, Ids, new SamplingOptions { MaxNewTokens = 12, Greedy = true }).ToArray();
        return (Logits(model), greedy);
    }

    [Test]
    public void MergeRefusesAnOutFolderThatHoldsItsInputsOrForeignFiles()
    {
        using var temp = new TempDirectory();
        var model = WriteRandomModel(temp.Combine("models", "base"));
        SaveRandomAdapter(temp.Combine("adapter"), model);
        var parent = LoraProcess.Run(temp.Path, null, "merge", "--model", model, "--adapter", temp.Combine("adapter"),
            "--out", temp.Combine("models"), "--overwrite");
        Assert.That(parent.ExitCode, Is.EqualTo(1), parent.Output);
        Assert.That(parent.StdErr, Does.Contain("which this command reads"));
        Assert.That(File.Exists(Path.Combine(model, "config.json")), Is.True, "the base model is untouched");

        var foreign = temp.Combine("home");
        Directory.CreateDirectory(Path.Combine(foreign, ".ssh"));
        var refused = LoraProcess.Run(temp.Path, null, "merge", "--model", model, "--adapter", temp.Combine("adapter"), "--out", foreign);
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.Output);
        Assert.That(Directory.Exists(Path.Combine(foreign, ".ssh")), Is.True, "unrelated files survive");

        var merged = temp.Combine("merged");
        for (var run = 0; run < 2; run++)
        {
            var result = LoraProcess.Run(temp.Path, null, "merge", "--model", model, "--adapter", temp.Combine("adapter"), "--out", merged);
            Assert.That(result.ExitCode, Is.EqualTo(0), $"run {run}: an earlier merge output may be replaced\n{result.Output}");
        }
    }

    [Test]
    public void MergeWritesACheckpointThatMatchesBasePlusAdapter()
    {
        using var temp = new TempDirectory();
        var model = WriteRandomModel(temp.Combine("model"));
        var (expected, _) = SaveRandomAdapter(temp.Combine("adapter"), model);
        var output = temp.Combine("merged");
        var result = LoraProcess.Run(temp.Path, null, "merge", "--model", model,
            "--adapter", temp.Combine("adapter"), "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);

        using var merged = LlamaForCausalLM.Load(output, ScalarType.Float32, CPU);
        var difference = MaxAbsDifference(ModelRunner.Logits(merged, Ids), expected);
        TestContext.Out.WriteLine($"merged checkpoint vs base+adapter: max |logit| difference {difference:E2}");
        Assert.That(difference, Is.LessThanOrEqualTo(1e-5));

        var names = SafetensorsHeader.Read(Path.Combine(output, "model.safetensors")).Entries.Select(e => e.Name).ToList();
        Assert.That(names, Has.None.Contains("lora"));
        Assert.That(names, Is.EquivalentTo(TensorInventory.Expected(merged.Config).Keys));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.That(config.RootElement.GetProperty("torch_dtype").GetString(), Is.EqualTo("float32"));
        Assert.That(Directory.GetDirectories(temp.Path).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "adapter", "merged", "model" }));
    }

    [Test]
    public void MergeToBf16WritesBf16WithTokenizerFiles()
    {
        using var temp = new TempDirectory();
        var model = WriteRandomModel(temp.Combine("model"));
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), "{}\n");
        var (expected, _) = SaveRandomAdapter(temp.Combine("adapter"), model);
        var result = LoraProcess.Run(temp.Path, null, "merge", "--model", model, "--adapter", temp.Combine("adapter"),
            "--out", temp.Combine("merged"), "--dtype", "bf16");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(File.ReadAllText(temp.Combine("merged", "tokenizer_config.json")), Is.EqualTo("{}\n"));
        Assert.That(SafetensorsHeader.Read(temp.Combine("merged", "model.safetensors")).Entries.Select(e => e.DType).Distinct(), Is.EqualTo(new[] { "BF16" }));
        using var merged = LlamaForCausalLM.Load(temp.Combine("merged"), ScalarType.Float32, CPU);
        Assert.That(merged.Config.TorchDtype, Is.EqualTo("bfloat16"));
        Assert.That(MaxAbsDifference(ModelRunner.Logits(merged, Ids), expected), Is.LessThanOrEqualTo(0.05), "bf16 weights: close, not exact");
    }

    [Test]
    public void MergeNamesAMissingAdapter()
    {
        using var temp = new TempDirectory();
        var result = LoraProcess.Run(temp.Path, null, "merge", "--model", ModelGolden.Directory(Fixture),
            "--adapter", temp.Combine("none"), "--out", temp.Combine("merged"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdErr, Does.Contain("--adapter: folder").And.Contain("none' not found"));
        Assert.That(Directory.Exists(temp.Combine("merged")), Is.False);
    }

    [Test]
    public void GenerateAndLogitsApplyTheAdapter()
    {
        using var temp = new TempDirectory();
        var model = WriteRandomModel(temp.Combine("model"));
        var (expected, greedy) = SaveRandomAdapter(temp.Combine("adapter"), model);
        var generate = LoraProcess.Run(temp.Path, null, "generate", "--model", model,
            "--adapter", temp.Combine("adapter"), "--ids", string.Join(' ', Ids), "--max-new-tokens", "12", "--greedy");
        Assert.That(generate.ExitCode, Is.EqualTo(0), generate.Output);
        Assert.That(generate.StdOut.Trim().Split(' ').Select(int.Parse), Is.EqualTo(greedy));

        var output = temp.Combine("logits.json");
        var logits = LoraProcess.Run(temp.Path, null, "logits", "--model", model,
            "--adapter", temp.Combine("adapter"), "--ids", string.Join(' ', Ids), "--out", output);
        Assert.That(logits.ExitCode, Is.EqualTo(0), logits.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        var rows = document.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        var actual = new float[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < rows[i].Length; j++) actual[i, j] = rows[i][j];
        Assert.That(MaxAbsDifference(actual, expected), Is.LessThanOrEqualTo(1e-6));
    }
}
