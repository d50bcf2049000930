using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// A module whose linear projections can be swapped by their Hugging Face names (<c>q_proj</c>, <c>up_proj</c>, ...),
/// so that adapters (LoRA) can wrap them without the module knowing. A replacement must map the same input
/// to the same output shape; the module calls whatever is installed.
/// </summary>
internal interface IProjectionHost
{
    /// <summary>The names of the replaceable projections, in Hugging Face spelling.</summary>
    IReadOnlyList<string> ProjectionNames { get; }

    /// <summary>The projection installed under <paramref name="name"/>.</summary>
    nn.Module<Tensor, Tensor> GetProjection(string name);

    /// <summary>Installs <paramref name="projection"/> under <paramref name="name"/> (registered as that submodule).</summary>
    void SetProjection(string name, nn.Module<Tensor, Tensor> projection);
}
