using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Hub;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Quantization;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Quantization;

/// <summary>
/// The built-in tiny model converted to NF4 against a reference folder holding the same network with every linear
/// weight replaced by its dequantized value, computed by hand from the stored codes (<see cref="Nf4Reference"/>) and
/// saved as a plain float32 checkpoint, so the reference never runs the quantized code path.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public class QuantizedModelTests
{
    private static readonly int[] Ids = [1, 17, 42, 99, 250, 7, 3, 64, 128, 5];
    private static TempDirectory _temp = null!;
    private static string _original = null!, _nf4 = null!, _reference = null!;

    [OneTimeSetUp]
    public static void ConvertOnce()
    {
        _temp = new TempDirectory("nf4-model");
        _original = _temp.Combine("tiny");
        BuiltinTinyLlama.Write(_original);
        _nf4 = _temp.Combine("nf4");
        var convert = LoraProcess.Run(_temp.Path, null, "convert", "--model", _original, "--out", _nf4, "--dtype", "f32", "--quantize", "nf4");
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.Output);
        _reference = _temp.Combine("dequantized");
        WriteDequantizedByHand(_nf4, _reference);
    }

    [OneTimeTearDown]
    public static void Cleanup() => _temp.Dispose();

    private static void WriteDequantizedByHand(string quantized, string output)
    {
        Directory.CreateDirectory(output);
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(Path.Combine(quantized, "model.safetensors"));
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var name in file.Names.Where(n => !Nf4Serialization.IsCompanion(n)))
        {
            if (!ModelQuantizer.IsProjectionWeight(name))
            {
                tensors.Add(new(name, file.Read(name, ScalarType.Float32)));
                continue;
            }
            using var weight = Nf4Serialization.Read(name, n => file.Names.Contains(n) ? file.Read(n) : null, quantized);
            tensors.Add(new(name, tensor(Nf4Reference.Dequantize(weight)).reshape(weight.Shape)));
        }
        SafetensorsWriter.Save(Path.Combine(output, "model.safetensors"), tensors);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(quantized, "config.json")))!.AsObject();
        config.Remove("quantization_config");
        File.WriteAllText(Path.Combine(output, "config.json"), config.ToJsonString());
        CheckpointConverter.CopyCompanions(quantized, output);
    }

    private static float[][] Logits(string model, string? adapter = null)
    {
        var output = Path.Combine(_temp.Path, $"logits-{Guid.NewGuid():N}.json");
        string[] args = ["logits", "--model", model, "--dtype", "f32", "--ids", string.Join(' ', Ids), "--out", output];
        if (adapter is not null) args = [.. args, "--adapter", adapter];
        var result = LoraProcess.Run(_temp.Path, null, args);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        return document.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
    }

    private static double MaxDifference(float[][] a, float[][] b) => a.Zip(b, (x, y) => x.Zip(y, (p, q) => Math.Abs(p - q)).Max()).Max();

    [Test]
    public void TheConvertedCheckpointHasTransformersBitsandbytesLayout()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_nf4, "config.json")))!.AsObject();
        var q = config["quantization_config"]!.AsObject();
        Assert.That((string?)q["quant_method"], Is.EqualTo("bitsandbytes"));
        Assert.That((bool?)q["load_in_4bit"], Is.True);
        Assert.That((string?)q["bnb_4bit_quant_type"], Is.EqualTo("nf4"));
        Assert.That((bool?)q["bnb_4bit_use_double_quant"], Is.True);
        var names = TensorInventory.Read(_nf4);
        const string up = "model.layers.0.mlp.up_proj.weight";
        var modelConfig = ModelConfig.Load(_original);
        Assert.That(names[up], Is.EqualTo(new long[] { (long)modelConfig.IntermediateSize * modelConfig.HiddenSize / 2, 1 }));
        foreach (var suffix in new[] { ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map", ".quant_state.bitsandbytes__nf4" })
            Assert.That(names.ContainsKey(up + suffix), up + suffix);
        Assert.That(names["model.embed_tokens.weight"], Is.EqualTo(new long[] { modelConfig.VocabSize, modelConfig.HiddenSize }), "embeddings stay full precision");
        Assert.That(names.ContainsKey("model.layers.0.input_layernorm.weight.absmax"), Is.False, "norms are not quantized");
    }

    [Test]
    public void LogitsOfTheNf4ModelEqualThoseOfItsDequantizedWeights()
    {
        var quantized = Logits(_nf4);
        var reference = Logits(_reference);
        var original = Logits(_original);
        var difference = MaxDifference(quantized, reference);
        TestContext.Out.WriteLine($"max |nf4 - dequantized reference| = {difference:E2}; max |nf4 - unquantized| = {MaxDifference(quantized, original):E2}");
        Assert.That(difference, Is.LessThanOrEqualTo(1e-4));
        Assert.That(MaxDifference(quantized, original), Is.GreaterThan(1e-3), "the 4-bit weights really differ from the originals");
    }

    [Test]
    public void MergingIntoAnNf4BaseEqualsTheDequantizedBasePlusTheAdapter()
    {
        var adapter = _temp.Combine("adapter");
        using (var model = LlamaForCausalLM.Load(_reference, ScalarType.Float32, CPU))
        {
            var lora = LoraInjector.Apply(model, new LoraOptions { R = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed: 5);
            using (no_grad())
                foreach (var (name, p) in lora.NamedParameters().Where(p => p.Key.Contains("lora_B")))
                    p.copy_(randn(p.shape, generator: new Generator((ulong)name.Length)) * 0.5);
            PeftAdapter.Save(lora, adapter, "tiny", companionSourceDirectory: _reference);
        }
        var merged = _temp.Combine("merged");
        var merge = LoraProcess.Run(_temp.Path, null, "merge", "--model", _nf4, "--adapter", adapter, "--out", merged, "--dtype", "f32");
        Assert.That(merge.ExitCode, Is.EqualTo(0), merge.Output);
        Assert.That(merge.Output, Does.Contain("dequantized").And.Contain("not re-quantized"));
        Assert.That(File.ReadAllText(Path.Combine(merged, "config.json")), Does.Not.Contain("quantization_config"));

        var expected = Logits(_reference, adapter);
        var actual = Logits(merged);
        Assert.That(MaxDifference(actual, expected), Is.LessThanOrEqualTo(1e-4));
        Assert.That(MaxDifference(expected, Logits(_reference)), Is.GreaterThan(1e-3), "the adapter changes the logits");
        Assert.That(MaxDifference(Logits(_nf4, adapter), expected), Is.LessThanOrEqualTo(1e-4), "the adapter applied unmerged on the 4-bit base");
    }

    [Test]
    public void ConvertingTheNf4ModelBackWithoutQuantizationDequantizesIt()
    {
        var back = _temp.Combine("back");
        var convert = LoraProcess.Run(_temp.Path, null, "convert", "--model", _nf4, "--out", back, "--dtype", "f32");
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.Output);
        Assert.That(convert.Output, Does.Contain("dequantizing").And.Contain("set model.quantization: nf4"));
        Assert.That(File.ReadAllText(Path.Combine(back, "config.json")), Does.Not.Contain("quantization_config"));
        Assert.That(MaxDifference(Logits(back), Logits(_reference)), Is.LessThanOrEqualTo(1e-6));
        var again = _temp.Combine("again");
        Assert.That(LoraProcess.Run(_temp.Path, null, "convert", "--model", _nf4, "--out", again, "--dtype", "f32", "--quantize", "nf4").ExitCode, Is.EqualTo(0));
        using var a = SafetensorsFile.Open(Path.Combine(_nf4, "model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(again, "model.safetensors"));
        const string name = "model.layers.1.self_attn.o_proj.weight";
        Assert.That(TensorIdentity.Same(a.Read(name), b.Read(name)), Is.True, "a 4-bit input is copied, never re-quantized");
    }

    // Projections a partly quantized checkpoint keeps in full precision, as transformers does for the modules named in
    // llm_int8_skip_modules (unsloth's dynamic 4-bit checkpoints skip a few decoder projections that way).
    private static readonly string[] KeptFullPrecision = ["model.layers.0.mlp.down_proj", "model.layers.2.self_attn.v_proj"];

    private static string? _partly, _partlyReference;

    // The NF4 checkpoint with the kept projections' packed weights and quant-state tensors replaced by their original
    // float32 weights, and the reference with the same originals in place of their dequantized values.
    private static (string Partly, string Reference) PartlyQuantized()
    {
        if (_partly is not null) return (_partly, _partlyReference!);
        using var scope = NewDisposeScope();
        var kept = KeptFullPrecision.Select(m => m + ".weight").ToHashSet();
        Dictionary<string, Tensor> originals;
        using (var file = SafetensorsFile.Open(Path.Combine(_original, "model.safetensors")))
            originals = kept.ToDictionary(n => n, n => file.Read(n, ScalarType.Float32));
        void Rewrite(string from, string to, bool quantized)
        {
            CopyFolder(from, to);
            var path = Path.Combine(to, "model.safetensors");
            var tensors = new List<KeyValuePair<string, Tensor>>();
            using (var file = SafetensorsFile.Open(path))
                foreach (var name in file.Names)
                {
                    var owner = Nf4Serialization.WeightOf(name) ?? name;
                    if (!kept.Contains(owner)) tensors.Add(new(name, file.Read(name)));
                    else if (owner == name) tensors.Add(new(name, originals[name]));
                }
            SafetensorsWriter.Save(path, tensors);
            if (!quantized) return;
            var configPath = Path.Combine(to, "config.json");
            var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            config["quantization_config"]!["llm_int8_skip_modules"] = new JsonArray([.. new[] { "lm_head" }.Concat(KeptFullPrecision).Select(m => (JsonNode?)m)]);
            File.WriteAllText(configPath, config.ToJsonString());
        }
        _partly = _temp.Combine("partly-nf4");
        Rewrite(_nf4, _partly, quantized: true);
        _partlyReference = _temp.Combine("partly-reference");
        Rewrite(_reference, _partlyReference, quantized: false);
        return (_partly, _partlyReference);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Test]
    public void APartlyQuantizedCheckpointUsesItsFullPrecisionProjectionsAsStored()
    {
        var (partly, reference) = PartlyQuantized();
        var actual = Logits(partly);
        var difference = MaxDifference(actual, Logits(reference));
        var fromAllFourBit = MaxDifference(actual, Logits(_nf4));
        TestContext.Out.WriteLine($"max |partly nf4 - its reference| = {difference:E2}; max |partly nf4 - all-nf4| = {fromAllFourBit:E2}");
        Assert.That(difference, Is.LessThanOrEqualTo(1e-4));
        Assert.That(fromAllFourBit, Is.GreaterThan(1e-5), "the kept projections hold their original weights, not 4-bit ones");

        var again = _temp.Combine("partly-again");
        var copy = LoraProcess.Run(_temp.Path, null, "convert", "--model", partly, "--out", again, "--dtype", "f32", "--quantize", "nf4");
        Assert.That(copy.ExitCode, Is.EqualTo(0), copy.Output);
        Assert.That(copy.Output, Does.Contain("2 decoder projection(s) it keeps in full precision stay so"));
        var names = TensorInventory.Read(again);
        var originalShapes = TensorInventory.Read(_original);
        foreach (var module in KeptFullPrecision)
        {
            Assert.That(names.ContainsKey(module + ".weight.absmax"), Is.False, module + " is not quantized by the copy");
            Assert.That(names[module + ".weight"], Is.EqualTo(originalShapes[module + ".weight"]), module + " keeps its [out, in] shape");
        }
        Assert.That(names.ContainsKey("model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__nf4"), Is.True);
        var skip = JsonNode.Parse(File.ReadAllText(Path.Combine(again, "config.json")))!["quantization_config"]!["llm_int8_skip_modules"]!.AsArray();
        Assert.That(skip.Select(m => (string?)m), Is.EqualTo(new[] { "lm_head" }.Concat(KeptFullPrecision)), "llm_int8_skip_modules is carried over");
        Assert.That(MaxDifference(Logits(again), actual), Is.EqualTo(0));
    }

    [Test]
    public void AnAdapterOnAPartlyQuantizedBaseMergesLikeItsReference()
    {
        var (partly, reference) = PartlyQuantized();
        var adapter = _temp.Combine("partly-adapter");
        using (var model = LlamaForCausalLM.Load(reference, ScalarType.Float32, CPU))
        {
            var lora = LoraInjector.Apply(model, new LoraOptions { R = 4, Alpha = 8, TargetModules = ["v_proj", "down_proj"] }, seed: 9);
            using (no_grad())
                foreach (var (name, p) in lora.NamedParameters().Where(p => p.Key.Contains("lora_B")))
                    p.copy_(randn(p.shape, generator: new Generator((ulong)name.Length)) * 0.5);
            PeftAdapter.Save(lora, adapter, "tiny", companionSourceDirectory: reference);
        }
        var expected = Logits(reference, adapter);
        Assert.That(MaxDifference(Logits(partly, adapter), expected), Is.LessThanOrEqualTo(1e-4), "unmerged, over 4-bit and full-precision projections");
        var merged = _temp.Combine("partly-merged");
        var merge = LoraProcess.Run(_temp.Path, null, "merge", "--model", partly, "--adapter", adapter, "--out", merged, "--dtype", "f32");
        Assert.That(merge.ExitCode, Is.EqualTo(0), merge.Output);
        Assert.That(MaxDifference(Logits(merged), expected), Is.LessThanOrEqualTo(1e-4));
    }

    [Test]
    public void ThePlanSizesAPartlyQuantizedBaseAsItIsStored()
    {
        var (partly, _) = PartlyQuantized();
        var config = ModelConfig.Load(partly);
        var originalShapes = TensorInventory.Read(_original);
        var keptParameters = KeptFullPrecision.Sum(m => originalShapes[m + ".weight"].Aggregate(1L, (a, b) => a * b));
        Assert.That(QuantizedWeights.FullPrecisionProjectionParameters(partly, config), Is.EqualTo(keptParameters));
        Assert.That(QuantizedWeights.FullPrecisionProjectionParameters(_nf4, ModelConfig.Load(_nf4)), Is.EqualTo(0));
        Assert.That(QuantizedWeights.FullPrecisionProjectionParameters(_original, ModelConfig.Load(_original)), Is.EqualTo(0));

        // The bytes the files store for the weights, less the code books (quant_map, nested_quant_map) and quant-state JSON the Plan leaves out.
        static long StoredWeightBytes(string folder) => CheckpointLoader.Files(folder).SelectMany(f => SafetensorsHeader.Read(f).Entries)
            .Where(e => !e.Name.EndsWith("quant_map", StringComparison.Ordinal) && !e.Name.Contains(".quant_state.", StringComparison.Ordinal))
            .Sum(e => e.ByteLength);
        var inputs = new SizingInputs
        {
            SeqLength = 16, MicroBatchSize = 1, LoraR = 4, TargetModules = ["q_proj"], Dtype = DType.F32, Quantization = WeightQuantization.Nf4,
        };
        var planned = TrainingEstimate.Compute(config, inputs with { FullPrecisionProjectionParameters = keptParameters }).FrozenWeightBytes;
        var asIfAllFourBit = TrainingEstimate.Compute(config, inputs).FrozenWeightBytes;
        var stored = StoredWeightBytes(partly);
        TestContext.Out.WriteLine($"partly quantized: stored {stored} B, planned {planned} B ({planned / (double)stored:0.0000}); " +
                                  $"planned as if every projection were 4-bit {asIfAllFourBit} B");
        Assert.That(planned / (double)stored, Is.InRange(0.999, 1.001));
        Assert.That(TrainingEstimate.Compute(config, inputs).FrozenWeightBytes / (double)StoredWeightBytes(_nf4), Is.InRange(0.999, 1.001),
            "the all-4-bit checkpoint, sized the same way");
        Assert.That(stored - asIfAllFourBit, Is.GreaterThan(keptParameters), "ignoring the kept projections would understate the base");
    }

    // Copies the NF4 checkpoint into <folder> with its tensors rewritten (each name gives what to store in its place) and
    // runs `lora logits` on it, which must fail without writing anything; returns its output.
    private static string LogitsRefusedAfterRewriting(string folder, Func<SafetensorsFile, string, IEnumerable<KeyValuePair<string, Tensor>>> rewrite)
    {
        var broken = _temp.Combine(folder);
        CopyFolder(_nf4, broken);
        var path = Path.Combine(broken, "model.safetensors");
        using (var scope = NewDisposeScope())
        {
            var tensors = new List<KeyValuePair<string, Tensor>>();
            using (var file = SafetensorsFile.Open(path))
                foreach (var name in file.Names) tensors.AddRange(rewrite(file, name));
            SafetensorsWriter.Save(path, tensors);
        }
        var output = _temp.Combine(folder + ".json");
        var result = LoraProcess.Run(_temp.Path, null, "logits", "--model", broken, "--ids", "1 2 3", "--out", output);
        Assert.That(result.ExitCode, Is.Not.EqualTo(0));
        Assert.That(File.Exists(output), Is.False, "nothing is written");
        return result.Output;
    }

    [Test]
    public void APackedProjectionWithoutItsQuantStateIsRefusedNamingIt()
    {
        const string weight = "model.layers.1.mlp.gate_proj.weight";
        var output = LogitsRefusedAfterRewriting("packed-without-state",
            (file, name) => Nf4Serialization.WeightOf(name) == weight ? [] : [KeyValuePair.Create(name, file.Read(name))]);
        Assert.That(output, Does.Contain($"tensor '{weight}'").And.Contain("packed shape of a 4-bit weight")
            .And.Contain(weight + ".quant_state.bitsandbytes__nf4"));
    }

    [Test]
    public void AFourBitEmbeddingIsRefusedNamingItInOneProblem()
    {
        // transformers quantizes every linear layer but the LM head unless llm_int8_skip_modules says otherwise; only
        // decoder projections load 4-bit here, so a checkpoint with another weight stored 4-bit must say which.
        const string embedding = "model.embed_tokens.weight";
        var output = LogitsRefusedAfterRewriting("four-bit-embedding", (file, name) => name == embedding
            ? Nf4Serialization.StateDict(name, Nf4Weight.Quantize(file.Read(name, ScalarType.Float32)))
            : [KeyValuePair.Create(name, file.Read(name))]);
        Assert.That(output, Does.Contain($"tensor '{embedding}'").And.Contain("is stored 4-bit").And.Contain("only the decoder projections load 4-bit"));
        Assert.That(output, Does.Not.Contain("unexpected tensor"), "its quant-state tensors are not listed again one by one");
    }

    [Test]
    public void GradientsThroughTheNf4LayerEqualThoseThroughItsDequantizedWeight()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var w = randn([48, 64], generator: generator) * 0.1;
        using var quantized = new Nf4Linear(Nf4Weight.Quantize(w));
        var dense = quantized.Weight.Dequantize(ScalarType.Float32);
        var x = randn([3, 5, 64], generator: generator).requires_grad_(true);
        var y = quantized.call(x);
        var g = randn(y.shape, generator: generator);
        y.backward([g]);
        var xPlain = x.detach().clone().requires_grad_(true);
        var yPlain = nn.functional.linear(xPlain, dense);
        yPlain.backward([g]);
        Assert.That(TensorIdentity.Same(y.detach(), yPlain.detach()), Is.True, "forward: the same product");
        Assert.That((x.grad! - xPlain.grad!).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6f));
    }
}
