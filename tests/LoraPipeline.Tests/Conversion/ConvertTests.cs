using LoraPipeline.Modeling;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Hub;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Conversion;

[Category("Integration")]
public class ConvertTests
{
    private static TempDirectory _shared = null!;
    private static string _builtin = null!;

    [OneTimeSetUp]
    public static void WriteBuiltinOnce()
    {
        _shared = new TempDirectory("builtin");
        _builtin = _shared.Combine("tiny");
        BuiltinTinyLlama.Write(_builtin);
    }

    [OneTimeTearDown]
    public static void Cleanup() => _shared.Dispose();

    [Test]
    public void BuiltinModelIsAValidDeterministicHuggingFaceFolder()
    {
        var config = ModelConfig.Load(_builtin);
        Assert.DoesNotThrow(() => TensorInventory.Check(config, TensorInventory.Read(_builtin), _builtin));
        using var again = new TempDirectory("builtin-again");
        BuiltinTinyLlama.Write(again.Path);
        Assert.That(FileHashing.Sha256File(Path.Combine(again.Path, "model.safetensors")),
            Is.EqualTo(FileHashing.Sha256File(Path.Combine(_builtin, "model.safetensors"))));

        using var scope = NewDisposeScope();
        var state = CheckpointLoader.LoadStateDict(_builtin);
        var q = state["model.layers.0.self_attn.q_proj.weight"];
        Assert.That(q.std().item<float>(), Is.EqualTo(0.02f).Within(0.001f), "transformers' initializer_range");
        Assert.That(state["model.norm.weight"].min().item<float>(), Is.EqualTo(1f));
        Assert.That(state.ContainsKey("lm_head.weight"), Is.False, "tied embeddings");

        var tokenizer = LoraPipeline.Tokenization.ModelTokenizer.Load(_builtin);
        Assert.That(tokenizer.VocabSize, Is.EqualTo(ModelConfig.Load(_builtin).VocabSize));
        Assert.That(tokenizer.EosId, Is.EqualTo(BuiltinTinyLlama.EndOfTextId));
        Assert.That(tokenizer.Decode(tokenizer.Encode("Hello, ACME-X100!", addSpecialTokens: false), skipSpecialTokens: false), Is.EqualTo("Hello, ACME-X100!"));
    }

    [Test]
    public void ConvertsToBf16InSeveralShardsWithAVerifiableManifest()
    {
        using var temp = new TempDirectory("convert");
        var output = temp.Combine("out");
        var manifest = CheckpointConverter.Convert(_builtin, output, DType.Bf16, ByteSize.Parse("4MB"));

        var shards = Directory.GetFiles(output, "model-*.safetensors");
        Assert.That(shards, Has.Length.GreaterThan(1));
        var index = ShardIndex.Read(Path.Combine(output, CheckpointFormats.IndexFile));
        Assert.That(index.Shards, Has.Count.EqualTo(shards.Length));
        // A shard holds at most 4 MB of tensor data, unless one tensor alone is larger (the embedding matrix).
        foreach (var group in index.WeightMap.GroupBy(p => p.Value).Where(g => g.Count() > 1))
            Assert.That(new FileInfo(Path.Combine(output, group.Key)).Length, Is.LessThanOrEqualTo(4_000_000 + 16_384), group.Key);
        foreach (var file in manifest.Files)
            Assert.That(FileHashing.Sha256File(Path.Combine(output, file.Path)), Is.EqualTo(file.Sha256), file.Path);
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!["torch_dtype"]!.GetValue<string>(), Is.EqualTo("bfloat16"));

        using var scope = NewDisposeScope();
        var original = CheckpointLoader.LoadStateDict(_builtin);
        var converted = CheckpointLoader.LoadStateDict(output);
        Assert.That(converted.Keys.Order(), Is.EqualTo(original.Keys.Order()));
        foreach (var (name, tensor) in converted)
        {
            Assert.That(tensor.dtype, Is.EqualTo(ScalarType.BFloat16), name);
            Assert.That(tensor.equal(original[name].to(ScalarType.BFloat16)).all().item<bool>(), Is.True, name);
        }
    }

    [Test]
    public void ConvertRefusesAMalformedTokenizerJson()
    {
        using var temp = new TempDirectory("convert-tokenizer");
        var model = temp.Combine("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.EnumerateFiles(_builtin)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2");
        var e = Assert.Throws<CheckpointException>(() => CheckpointConverter.Convert(model, temp.Combine("out"), DType.Bf16, 1 << 30))!;
        Assert.That(e.Message, Does.Contain("tokenizer.json:1: not valid JSON"));
    }

    [Test]
    public void ConvertRefusesACheckpointThatDoesNotMatchItsConfig()
    {
        using var temp = new TempDirectory("convert-bad");
        var broken = temp.Combine("broken");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(_builtin, "config.json"), Path.Combine(broken, "config.json"));
        using (var scope = NewDisposeScope())
        {
            var state = CheckpointLoader.LoadStateDict(_builtin);
            state.Remove("model.layers.2.mlp.down_proj.weight");
            SafetensorsWriter.Save(Path.Combine(broken, "model.safetensors"), state);
        }
        var e = Assert.Throws<CheckpointException>(() => CheckpointConverter.Convert(broken, temp.Combine("out"), DType.Bf16, 1 << 30))!;
        Assert.That(e.Message, Does.Contain(broken).And.Contain("missing tensor 'model.layers.2.mlp.down_proj.weight'"));
        Assert.That(Directory.Exists(temp.Combine("out")), Is.False);
    }

    [Test]
    public void DownloadAndConvertStagesRunThroughTheCliAndAreIncremental()
    {
        using var temp = new TempDirectory("stages");
        var artifacts = temp.Combine("artifacts");
        string[] Args(string stage) => [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts];
        var download = LoraProcess.Run(RepositoryPaths.Root, null, Args("download"));
        Assert.That(download.ExitCode, Is.EqualTo(0), download.Output);
        var convert = LoraProcess.Run(RepositoryPaths.Root, null, Args("convert"));
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.Output);
        Assert.That(File.Exists(Path.Combine(artifacts, "convert", ArtifactNames.ConversionManifest)));
        Assert.That(File.Exists(Path.Combine(artifacts, "convert", "tokenizer.json")), "tokenizer files travel with the converted model");
        Assert.That(ModelConfig.Load(Path.Combine(artifacts, "convert")).HiddenSize, Is.EqualTo(128));

        var again = LoraProcess.Run(RepositoryPaths.Root, null, Args("convert"));
        Assert.That(again.Output, Does.Contain("convert: up to date"));
        var f32 = LoraProcess.Run(RepositoryPaths.Root, null, [.. Args("convert"), "--set", "model.dtype=f32"]);
        Assert.That(f32.Output, Does.Contain("convert: running"));
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(artifacts, "convert", "config.json")))!["torch_dtype"]!.GetValue<string>(), Is.EqualTo("float32"));
    }

    [Test]
    public void StandaloneConvertWritesTheOutputFolderOnlyWhenDone()
    {
        using var temp = new TempDirectory("standalone");
        var output = temp.Combine("converted");
        var result = LoraProcess.Run(temp.Path, null, "convert", "--model", _builtin, "--out", output, "--dtype", "f32", "--max-shard-size", "20MB");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("to f32"));
        Assert.That(CheckpointLoader.Files(output), Has.Count.EqualTo(2));
        var refused = LoraProcess.Run(temp.Path, null, "convert", "--model", _builtin, "--out", output);
        Assert.That(refused.ExitCode, Is.EqualTo(1));
        Assert.That(refused.StdErr, Does.Contain("exists and is not empty"));
        var missing = LoraProcess.Run(temp.Path, null, "convert", "--model", temp.Combine("nope"), "--out", temp.Combine("x"));
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.StdErr, Does.Contain("--model: folder").And.Contain("not found"));
        Assert.That(Directory.EnumerateDirectories(temp.Path, ".x.*"), Is.Empty, "no temporary folder left behind");
    }
}
