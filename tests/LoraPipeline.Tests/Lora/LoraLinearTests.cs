using System.Text.Json;
using LoraPipeline.Lora;
using LoraPipeline.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Lora;

/// <summary>The LoRA layer against an independent reference (tests/scripts/make_lora_golden.py) and its init rules.</summary>
public class LoraLinearTests
{
    private sealed record Golden(JsonElement Root)
    {
        public static Golden Load() => new(JsonDocument.Parse(File.ReadAllText(
            RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "lora", "lora_linear_golden.json"))).RootElement);

        public int In => Root.GetProperty("in_features").GetInt32();
        public int Out => Root.GetProperty("out_features").GetInt32();
        public int R => Root.GetProperty("r").GetInt32();
        public double Alpha => Root.GetProperty("alpha").GetDouble();

        public Tensor Matrix(string name) => Matrix(Root.GetProperty(name));

        public static Tensor Matrix(JsonElement element)
        {
            var rows = element.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
            return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Float32);
        }

        public Tensor Vector(string name) =>
            tensor(Root.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), ScalarType.Float32);
    }

    private static LoraLinear Layer(Golden golden, bool rslora, ScalarType dtype = ScalarType.Float32)
    {
        var linear = nn.Linear(golden.In, golden.Out, true, CPU, dtype);
        using (no_grad())
        {
            linear.weight!.copy_(golden.Matrix("weight"));
            linear.bias!.copy_(golden.Vector("bias"));
        }
        var layer = new LoraLinear(linear, new LoraSettings(golden.R, golden.Alpha, 0.3, rslora), 1, 2);
        using (no_grad())
        {
            layer.LoraA.copy_(golden.Matrix("lora_A"));
            layer.LoraB.copy_(golden.Matrix("lora_B"));
        }
        layer.eval();
        return layer;
    }

    [TestCase(false, "lora")]
    [TestCase(true, "rslora")]
    public void ForwardMatchesTheIndependentReference(bool rslora, string caseName)
    {
        var golden = Golden.Load();
        var expectedCase = golden.Root.GetProperty("cases").GetProperty(caseName);
        using var layer = Layer(golden, rslora);
        Assert.That(layer.Scale, Is.EqualTo(expectedCase.GetProperty("scale").GetDouble()).Within(1e-12));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = layer.call(golden.Matrix("x"));
        var expected = Golden.Matrix(expectedCase.GetProperty("y"));
        Assert.That((y - expected).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-5));

        layer.Merge();
        var merged = Golden.Matrix(expectedCase.GetProperty("merged_weight"));
        Assert.That((layer.BaseWeight - merged).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6));
        Assert.That((layer.call(golden.Matrix("x")) - expected).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-5));
        layer.Unmerge();
        Assert.That((layer.BaseWeight - golden.Matrix("weight")).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6));
    }

    [Test]
    public void ScaleIsAlphaOverROrOverSqrtR()
    {
        Assert.That(new LoraSettings(16, 32, 0, false).Scale, Is.EqualTo(2.0));
        Assert.That(new LoraSettings(16, 32, 0, true).Scale, Is.EqualTo(8.0));
    }

    [Test]
    public void InitIsKaimingUniformAndZeroAndFreezesTheBase()
    {
        using var linear = nn.Linear(256, 32, true, CPU, ScalarType.Float32);
        using var layer = new LoraLinear(linear, new LoraSettings(8, 16, 0, false), 7, 8);
        var bound = 1.0 / Math.Sqrt(256);
        Assert.That(LoraLinear.KaimingUniformBound(256), Is.EqualTo(bound).Within(1e-15));
        var a = LoraTestSupport.Values(layer.LoraA);
        Assert.That(layer.LoraA.shape, Is.EqualTo(new long[] { 8, 256 }));
        Assert.That(layer.LoraB.shape, Is.EqualTo(new long[] { 32, 8 }));
        Assert.That(a.Max(Math.Abs), Is.LessThanOrEqualTo(bound));
        Assert.That(a.Max(Math.Abs), Is.GreaterThan(0.9 * bound), "2048 uniform draws should come close to the bound");
        Assert.That(Math.Abs(a.Average()), Is.LessThan(0.1 * bound));
        Assert.That(LoraTestSupport.Values(layer.LoraB), Is.All.EqualTo(0f));
        Assert.That(layer.LoraA.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(layer.LoraA.requires_grad && layer.LoraB.requires_grad, Is.True);
        Assert.That(linear.weight!.requires_grad || linear.bias!.requires_grad, Is.False);
    }

    [Test]
    public void SameSeedGivesTheSameA()
    {
        using var linear1 = nn.Linear(64, 16, false, CPU, ScalarType.Float32);
        using var linear2 = nn.Linear(64, 16, false, CPU, ScalarType.Float32);
        using var first = new LoraLinear(linear1, new LoraSettings(4, 8, 0, false), 42, 1);
        using var second = new LoraLinear(linear2, new LoraSettings(4, 8, 0, false), 42, 1);
        using var other = new LoraLinear(nn.Linear(64, 16, false, CPU, ScalarType.Float32), new LoraSettings(4, 8, 0, false), 43, 1);
        Assert.That(LoraTestSupport.Values(second.LoraA), Is.EqualTo(LoraTestSupport.Values(first.LoraA)));
        Assert.That(LoraTestSupport.Values(other.LoraA), Is.Not.EqualTo(LoraTestSupport.Values(first.LoraA)));
    }

    [Test]
    public void Bf16BaseKeepsFloat32AdapterAndBf16Output()
    {
        var golden = Golden.Load();
        using var layer = Layer(golden, rslora: false, ScalarType.BFloat16);
        Assert.That(layer.LoraA.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(layer.LoraB.dtype, Is.EqualTo(ScalarType.Float32));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = layer.call(golden.Matrix("x").to(ScalarType.BFloat16));
        Assert.That(y.dtype, Is.EqualTo(ScalarType.BFloat16));
        var expected = Golden.Matrix(golden.Root.GetProperty("cases").GetProperty("lora").GetProperty("y"));
        // bf16 base weights and input: about 3 significant digits.
        Assert.That((y.to(ScalarType.Float32) - expected).abs().max().item<float>(), Is.LessThanOrEqualTo(0.05));
        layer.Merge();
        Assert.That(layer.BaseWeight.dtype, Is.EqualTo(ScalarType.BFloat16));
    }

    [Test]
    public void DropoutActsOnlyInTrainingModeAndIsSeeded()
    {
        LoraLinear Make()
        {
            var linear = nn.Linear(32, 8, false, CPU, ScalarType.Float32);
            var layer = new LoraLinear(linear, new LoraSettings(4, 8, 0.5, false), 3, 4);
            using var noGrad = no_grad();
            linear.weight!.zero_(); // the two layers differ only in what dropout does
            layer.LoraB.fill_(0.5f);
            return layer;
        }
        using var first = Make();
        using var second = Make();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = ones(2, 32);
        first.eval();
        var eval1 = first.call(x);
        var eval2 = first.call(x);
        Assert.That(first.training, Is.False, "eval() reaches the layer");
        Assert.That((eval1 - eval2).abs().max().item<float>(), Is.EqualTo(0f), "eval mode is deterministic");
        first.train();
        second.train();
        var train1 = first.call(x);
        Assert.That(Same(train1, eval1), Is.False, "dropout changes the output in training mode");
        Assert.That(Same(train1, second.call(x)), Is.True, "the same dropout seed gives the same mask");
        first.Merge();
        Assert.Throws<InvalidOperationException>(() => first.call(x), "a merged layer refuses to train");
    }

    private static bool Same(Tensor a, Tensor b) => (a - b).abs().max().item<float>() == 0f;
}
