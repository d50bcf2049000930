using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Tests.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Lora;

/// <summary>Shared helpers for the LoRA tests: fixture models, options, random B, logit comparisons.</summary>
internal static class LoraTestSupport
{
    public const string Fixture = "llama_gqa";

    public static readonly int[] Ids = [5, 17, 200, 3, 99, 42, 7, 128];

    public static LlamaForCausalLM LoadFixture(string name = Fixture, ScalarType dtype = ScalarType.Float32)
    {
        var model = LlamaForCausalLM.Load(ModelGolden.Directory(name), dtype, CPU);
        model.eval();
        return model;
    }

    /// <summary>
    /// Writes a Hugging Face folder holding a seeded random model with the fixture's architecture. Its default
    /// (TorchSharp) init gives logits of order 1, so float32 comparisons at 1e-5 have room above rounding noise;
    /// the golden fixtures' logits reach 17, where 1e-5 is only a few ulps.
    /// </summary>
    public static string WriteRandomModel(string directory, long seed = 31)
    {
        Directory.CreateDirectory(directory);
        var config = ModelConfig.Load(ModelGolden.Directory(Fixture));
        using var model = LlamaForCausalLM.CreateRandom(config, seed, ScalarType.Float32, CPU);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        SafetensorsWriter.Save(Path.Combine(directory, "model.safetensors"),
            TensorInventory.Expected(config).Keys.Select(name => KeyValuePair.Create(name, parameters[name])));
        File.Copy(Path.Combine(ModelGolden.Directory(Fixture), "config.json"), Path.Combine(directory, "config.json"));
        return directory;
    }

    public static LlamaForCausalLM LoadModel(string directory)
    {
        var model = LlamaForCausalLM.Load(directory, ScalarType.Float32, CPU);
        model.eval();
        return model;
    }

    public static LoraOptions Options(params string[] targets) => new()
    {
        R = 4,
        Alpha = 8,
        Dropout = 0.1,
        TargetModules = targets.Length > 0 ? targets.ToList() : ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    };

    /// <summary>Gives every B random values (seeded), so the adapter changes the model's output.</summary>
    public static void RandomizeB(LoraAdapter adapter, ulong seed, double std = 0.05)
    {
        using var generator = new Generator(seed, CPU);
        using var noGrad = no_grad();
        foreach (var (_, layer) in adapter.Layers)
        {
            using var values = randn(layer.LoraB.shape, ScalarType.Float32, CPU, generator: generator) * std;
            layer.LoraB.copy_(values);
        }
    }

    public static double MaxAbsDifference(float[,] a, float[,] b)
    {
        Assert.That(a.GetLength(0), Is.EqualTo(b.GetLength(0)));
        Assert.That(a.GetLength(1), Is.EqualTo(b.GetLength(1)));
        double max = 0;
        for (var i = 0; i < a.GetLength(0); i++)
            for (var j = 0; j < a.GetLength(1); j++)
                max = Math.Max(max, Math.Abs((double)a[i, j] - b[i, j]));
        return max;
    }

    public static float[,] Logits(LlamaForCausalLM model) => ModelRunner.Logits(model, Ids);

    public static float[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }
}
