using System.Text;
using LoraPipeline.Checkpoints;
using LoraPipeline.Quantization;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

using static LoraPipeline.Tests.Quantization.TensorIdentity;

namespace LoraPipeline.Tests.Quantization;

public class Nf4SerializationTests
{
    private const string Name = "model.layers.0.mlp.up_proj.weight";

    [Test]
    public void ARoundTripThroughSafetensorsIsExact()
    {
        using var temp = new TempDirectory("nf4-roundtrip");
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        using var weight = Nf4Weight.Quantize(randn([96, 80], generator: generator).to(ScalarType.BFloat16));
        var path = temp.Combine("w.safetensors");
        SafetensorsWriter.Save(path, Nf4Serialization.StateDict(Name, weight));

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Names.Order(), Is.EqualTo(new[]
        {
            Name, Name + ".absmax", Name + ".nested_absmax", Name + ".nested_quant_map", Name + ".quant_map", Name + ".quant_state.bitsandbytes__nf4",
        }.Order()), "the keys transformers + bitsandbytes save");
        using var back = Nf4Serialization.Read(Name, n => file.Names.Contains(n) ? file.Read(n) : null, path);
        Assert.That(Same(back.Packed, weight.Packed), Is.True);
        Assert.That(Same(back.Absmax, weight.Absmax), Is.True);
        Assert.That(Same(back.NestedAbsmax!, weight.NestedAbsmax!), Is.True);
        Assert.That(Same(back.NestedQuantMap!, weight.NestedQuantMap!), Is.True);
        Assert.That(Same(back.QuantMap, weight.QuantMap), Is.True);
        Assert.That((back.Shape, back.Dtype, back.Blocksize, back.NestedBlocksize, back.NestedOffset),
            Is.EqualTo((weight.Shape, weight.Dtype, weight.Blocksize, weight.NestedBlocksize, weight.NestedOffset)));
        Assert.That(Same(back.Dequantize(ScalarType.Float32), weight.Dequantize(ScalarType.Float32)), Is.True);
    }

    [Test]
    public void TheQuantStateIsTheJsonBitsandbytesPacks()
    {
        using var weight = Nf4Weight.Quantize(ones(4, 64) * 0.5f);
        // absmax 0.5 everywhere: the mean is 0.5 and the nested offset is exactly that.
        Assert.That(Nf4Serialization.QuantStateJson(weight), Is.EqualTo(
            "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [4, 64], " +
            "\"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.5}"));
        using var plain = Nf4Weight.Quantize(ones(2, 64).to(ScalarType.BFloat16), doubleQuantize: false);
        Assert.That(Nf4Serialization.QuantStateJson(plain), Is.EqualTo("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [2, 64]}"));
    }

    private static Dictionary<string, Tensor> Saved(Nf4Weight weight) =>
        Nf4Serialization.StateDict(Name, weight).ToDictionary(p => p.Key, p => p.Value.clone());

    private static string Refusal(Dictionary<string, Tensor> tensors) =>
        Assert.Throws<CheckpointException>(() => Nf4Serialization.Read(Name, n => tensors.TryGetValue(n, out var t) ? t.clone() : null, "shard.safetensors"))!.Message;

    private static Tensor Json(string text) => tensor(Encoding.UTF8.GetBytes(text), ScalarType.Byte);

    [Test]
    public void AMalformedQuantStateIsRefusedNamingTheTensor()
    {
        using var scope = NewDisposeScope();
        using var weight = Nf4Weight.Quantize(randn(8, 64));
        var state = Name + Nf4Serialization.QuantStateSuffix;

        var wrongShape = Saved(weight);
        wrongShape[Name] = zeros([128, 2], ScalarType.Byte);
        Assert.That(Refusal(wrongShape), Does.Contain($"'{Name}'").And.Contain("uint8 [256, 1]"));

        var unknownType = Saved(weight);
        unknownType[state] = Json(Nf4Serialization.QuantStateJson(weight).Replace("\"nf4\"", "\"int3\""));
        Assert.That(Refusal(unknownType), Does.Contain($"'{state}'").And.Contain("quant_type 'int3'"));

        var fp4 = Saved(weight);
        fp4.Remove(state);
        fp4[Name + ".quant_state.bitsandbytes__fp4"] = Json("{}");
        Assert.That(Refusal(fp4), Does.Contain("fp4").And.Contain("only nf4"));

        var blocksize = Saved(weight);
        blocksize[state] = Json(Nf4Serialization.QuantStateJson(weight).Replace("\"blocksize\": 64", "\"blocksize\": 128"));
        Assert.That(Refusal(blocksize), Does.Contain($"'{Name}.absmax'").And.Contain("blocksize 128 over 512 values makes 4 blocks"), "8 blocks of 64 stored, 4 of 128 implied");

        var oddBlocksize = Saved(weight);
        oddBlocksize[state] = Json(Nf4Serialization.QuantStateJson(weight).Replace("\"blocksize\": 64", "\"blocksize\": 48"));
        Assert.That(Refusal(oddBlocksize), Does.Contain("blocksize 48"));

        var missing = Saved(weight);
        missing.Remove(Name + ".quant_map");
        Assert.That(Refusal(missing), Does.Contain($"'{Name}.quant_map' is missing"));

        var halfNested = Saved(weight);
        halfNested.Remove(Name + ".nested_quant_map");
        Assert.That(Refusal(halfNested), Does.Contain("nested_quant_map"));

        var notJson = Saved(weight);
        notJson[state] = Json("{\"quant_type\": ");
        Assert.That(Refusal(notJson), Does.Contain($"'{state}'").And.Contain("JSON"));
    }
}
