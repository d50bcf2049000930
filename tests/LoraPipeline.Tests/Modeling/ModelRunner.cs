using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Modeling;

/// <summary>Helpers that run a loaded model on plain arrays.</summary>
internal static class ModelRunner
{
    public static float[,] Logits(LlamaForCausalLM model, IReadOnlyList<int> ids)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count], ScalarType.Int64, model.Device);
        var logits = model.Forward(input).to(ScalarType.Float32).cpu()[0];
        var rows = (int)logits.shape[0];
        var cols = (int)logits.shape[1];
        var flat = logits.contiguous().data<float>().ToArray();
        var result = new float[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    public static IReadOnlyList<int> Generate(LlamaForCausalLM model, IReadOnlyList<int> prompt, SamplingOptions options) =>
        TokenGenerator.Generate(model, [prompt], options)[0];
}
