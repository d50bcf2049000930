using LoraPipeline.Quantization;
using static TorchSharp.torch;

using static LoraPipeline.Tests.Quantization.TensorIdentity;

namespace LoraPipeline.Tests.Quantization;

public class Nf4CodecTests
{
    [Test]
    public void AHandComputedBlockPacksTheNearestCodesHighNibbleFirst()
    {
        // Block of 64: absmax 2.0; normalised values chosen to fall clearly inside code cells.
        var values = new float[64];
        float[] chosen = [2.0f, -2.0f, 0.0f, 1.0f, -0.3f, 0.9f, 1.5f, -1.2f];
        chosen.CopyTo(values, 0);
        // By hand: 1 -> 15, -1 -> 0, 0 -> 7, 0.5 -> 12 (|0.5-0.4407| < |0.5-0.5626|), -0.15 -> 5 (-0.1848), 0.45 -> 12,
        // 0.75 -> 14 (0.7230), -0.6 -> 2 (|-0.6+0.5251| = 0.0749 < |-0.6+0.6962| = 0.0962).
        int[] expected = [15, 0, 7, 12, 5, 12, 14, 2];
        using var weight = Nf4Weight.Quantize(tensor(values).reshape(1, 64), doubleQuantize: false);
        var bytes = weight.Packed.data<byte>().ToArray();
        Assert.That(weight.Packed.shape, Is.EqualTo(new long[] { 32, 1 }));
        Assert.That(bytes[0], Is.EqualTo((byte)(15 << 4 | 0)));
        Assert.That(bytes[1], Is.EqualTo((byte)(7 << 4 | 12)));
        Assert.That(Nf4Reference.Unpack(bytes, 8), Is.EqualTo(expected));
        Assert.That(weight.Absmax.data<float>().ToArray(), Is.EqualTo(new[] { 2.0f }));
        using var dequantized = weight.Dequantize(ScalarType.Float32);
        Assert.That(dequantized[0, 4].item<float>(), Is.EqualTo(-0.18477343022823334f * 2f));
        Assert.That(dequantized[0, 7].item<float>(), Is.EqualTo(-0.5250730514526367f * 2f));
    }

    [TestCase(8, 64, false)]
    [TestCase(8, 64, true)]
    [TestCase(3, 50, true)] // blocks that straddle rows and a short last block
    [TestCase(3, 5, true)] // an odd count: the last byte is half padding
    [TestCase(300, 64, true)] // more than 256 blocks: two nested blocks
    public void CodesAndDequantizedValuesMatchTheHandComputation(int rows, int columns, bool doubleQuantize)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(17);
        var w = randn([rows, columns], generator: generator) * 0.05;
        var values = w.data<float>().ToArray();
        using var weight = Nf4Weight.Quantize(w, doubleQuantize: doubleQuantize);

        var (absmax, indices) = Nf4Reference.Quantize(values, 64);
        var (codes, storedAbsmax, map) = Nf4Reference.Parts(weight);
        Assert.That(map, Is.EqualTo(Nf4Reference.Code));
        Assert.That(codes, Is.EqualTo(indices), "nearest NF4 code of every value");
        if (!doubleQuantize) Assert.That(storedAbsmax, Is.EqualTo(absmax));
        else Assert.That(storedAbsmax.Zip(absmax, (a, b) => Math.Abs(a - b) / b).Max(), Is.LessThan(0.02), "8-bit absmax within its resolution");

        // Property: every dequantized value is code[i] · absmax of its block, with the nested reconstruction.
        var dequantized = weight.Dequantize(ScalarType.Float32).data<float>().ToArray();
        Assert.That(dequantized, Is.EqualTo(Nf4Reference.Dequantize(weight)));
        var worst = values.Select((v, i) => Math.Abs(v - dequantized[i]) / storedAbsmax[i / 64]).Max();
        Assert.That(worst, Is.LessThanOrEqualTo(0.16 + 0.02), "no value further than half the widest code gap (0.152) plus the 8-bit absmax error");
    }

    [Test]
    public void DequantizesIntoBfloat16ByRoundingTheFloat32Product()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var w = randn([16, 64], generator: generator);
        using var weight = Nf4Weight.Quantize(w.to(ScalarType.BFloat16));
        Assert.That(weight.Dtype, Is.EqualTo("bfloat16"));
        var bf16 = weight.Dequantize(ScalarType.BFloat16);
        var expected = tensor(Nf4Reference.Dequantize(weight)).reshape(16, 64).to(ScalarType.BFloat16);
        Assert.That(bf16.dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(Same(bf16, expected), Is.True);
    }

    [Test]
    public void ABfloat16WeightDequantizedIntoFloat32KeepsItsBfloat16Values()
    {
        // bitsandbytes' dequantize_4bit returns the quant state's dtype (bf16 here); MatMul4Bit then casts it to the input's.
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        using var weight = Nf4Weight.Quantize(randn([16, 64], generator: generator).to(ScalarType.BFloat16));
        var f32 = weight.Dequantize(ScalarType.Float32);
        var product = tensor(Nf4Reference.Dequantize(weight)).reshape(16, 64);
        Assert.That(f32.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(Same(f32, product.to(ScalarType.BFloat16).to(ScalarType.Float32)), Is.True);
        Assert.That(Same(f32, product), Is.False, "the unrounded product is not what bitsandbytes computes with");
    }

    [Test]
    public void TheDynamicMapIsBitsandbytesSignedEightBitMap()
    {
        using var map = QuantCodes.DynamicMap();
        var values = map.data<float>().ToArray();
        Assert.That(values, Has.Length.EqualTo(256));
        Assert.That(values, Is.Ordered);
        Assert.That(values, Does.Contain(0f).And.Contain(1f));
        var positive = values.Where(v => v > 0 && v < 1).ToArray();
        var negative = values.Where(v => v < 0).Select(v => -v).Order().ToArray();
        Assert.That(positive, Is.EqualTo(negative), "signed: each magnitude with both signs");
        Assert.That(positive, Has.Length.EqualTo(127));
        // Exponent 0 (10^-6 scale): the one midpoint of linspace(0.1, 1, 2) = 0.55e-6; exponent 6: 64 midpoints up to (0.9859375 + 1) / 2.
        Assert.That(positive[0], Is.EqualTo(0.55e-6f).Within(1e-12f));
        Assert.That(positive[^1], Is.EqualTo(0.99296875f).Within(1e-6f));
    }
}
