using LoraPipeline.Checkpoints;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>SwiGLU feed-forward block (<c>mlp</c>): <c>down_proj(silu(gate_proj(x)) · up_proj(x))</c>.</summary>
internal sealed class Mlp : ProjectionModule
{
    /// <summary>The MLP projections, as Llama, Mistral and Qwen2 name them.</summary>
    public static IReadOnlyList<string> StandardProjections { get; } = ["gate_proj", "up_proj", "down_proj"];

    /// <summary>Builds the projections for <paramref name="config"/> in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Mlp(ModelConfig config, ScalarType dtype, Device device) : base("mlp", [.. StandardProjections])
    {
        long h = config.HiddenSize, i = config.IntermediateSize;
        SetProjection("gate_proj", nn.Linear(h, i, config.MlpBias, device, dtype));
        SetProjection("up_proj", nn.Linear(h, i, config.MlpBias, device, dtype));
        SetProjection("down_proj", nn.Linear(i, h, config.MlpBias, device, dtype));
    }

    /// <summary>Applies the block to <paramref name="x"/> [..., hidden].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(Project("gate_proj", x)) * Project("up_proj", x);
        return Project("down_proj", gated).MoveToOuterDisposeScope();
    }
}
