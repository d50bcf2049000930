using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Training;

/// <summary>The tiny random model, adapters and records the training-step tests share.</summary>
internal static class TinyTraining
{
    /// <summary>Every projection LoRA can adapt.</summary>
    public static readonly string[] AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Different lengths and label counts, so padding and per-token weighting matter.</summary>
    public static readonly TokenRecord[] VariedRecords =
    [
        new("a", [5, 6, 7, 8, 9, 10, 11, 12], 5),
        new("b", [13, 14, 15, 16], 1),
        new("c", [17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28], 10),
        new("d", [29, 30, 31, 32, 33, 34], 3),
    ];

    /// <summary>A Llama of hidden 32, 4 heads over 2 kv heads.</summary>
    public static ModelConfig Config(int layers, int vocab = 97) =>
        ModelConfigs.Llama(hidden: 32, layers: layers, heads: 4, kvHeads: 2, intermediate: 64, vocab: vocab, maxPositions: 128);

    /// <summary>
    /// A random float32 model (seed 3) with rank-4 adapters (seed 5) whose B matrices are non-zero, so gradients reach A
    /// as well; the caller disposes the model.
    /// </summary>
    public static (LlamaForCausalLM Model, LoraAdapter Adapter) AdaptedModel(ModelConfig config, double dropout, IEnumerable<string> targets)
    {
        var model = LlamaForCausalLM.CreateRandom(config, seed: 3, ScalarType.Float32, CPU);
        var adapter = LoraInjector.Apply(model, new LoraOptions { R = 4, Alpha = 8, Dropout = dropout, TargetModules = [.. targets] }, seed: 5);
        using (no_grad())
            foreach (var (name, p) in adapter.NamedParameters().Where(p => p.Key.Contains("lora_B")))
                p.copy_(randn(p.shape, generator: new TorchSharp.torch.Generator((ulong)name.Length)) * 0.1);
        return (model, adapter);
    }
}
