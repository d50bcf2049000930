using LoraPipeline.Checkpoints;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Rotate-half rotary position embeddings. Inverse frequencies are <c>θ^(-2i/d)</c>, optionally rescaled by the
/// <c>llama3</c> rule; angles are computed in float32 (as transformers does) and cos/sin cast to the compute dtype.
/// Holds no tensors of its own, so the model stays device- and dtype-agnostic.
/// </summary>
internal sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;

    /// <summary>Frequencies for <paramref name="headDim"/> with base <paramref name="theta"/> and optional scaling.</summary>
    public RotaryEmbedding(int headDim, double theta, Llama3RopeScaling? scaling)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"head_dim must be even for rotary embeddings, got {headDim}", nameof(headDim));
        var frequencies = new double[headDim / 2];
        for (var i = 0; i < frequencies.Length; i++)
            frequencies[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        if (scaling is not null) frequencies = ApplyLlama3Scaling(frequencies, scaling);
        _inverseFrequencies = frequencies.Select(f => (float)f).ToArray();
    }

    /// <summary>The inverse frequencies (length head_dim / 2), after any scaling.</summary>
    public IReadOnlyList<float> InverseFrequencies => _inverseFrequencies;

    /// <summary>
    /// Llama 3 scaling: wavelengths shorter than <c>original / high_freq_factor</c> keep their frequency, those
    /// longer than <c>original / low_freq_factor</c> are divided by <c>factor</c>, and those between blend the two
    /// linearly in <c>original / wavelength</c>.
    /// </summary>
    public static double[] ApplyLlama3Scaling(IReadOnlyList<double> inverseFrequencies, Llama3RopeScaling scaling)
    {
        var lowWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        var highWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var result = new double[inverseFrequencies.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var frequency = inverseFrequencies[i];
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength) result[i] = frequency;
            else if (wavelength > lowWavelength) result[i] = frequency / scaling.Factor;
            else
            {
                var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFreqFactor)
                             / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                result[i] = (1 - smooth) * frequency / scaling.Factor + smooth * frequency;
            }
        }
        return result;
    }

    /// <summary>cos and sin of the angles for <paramref name="positionIds"/> [batch, seq], each [batch, 1, seq, head_dim] in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inverse = tensor(_inverseFrequencies, dtype: ScalarType.Float32, device: positionIds.device);
        var angles = positionIds.to(ScalarType.Float32).unsqueeze(-1) * inverse;
        var both = cat([angles, angles], -1).unsqueeze(1);
        var cos = both.cos().to(dtype).MoveToOuterDisposeScope();
        var sin = both.sin().to(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, head_dim]: <c>x·cos + rotate_half(x)·sin</c>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        return (x * cos + RotateHalf(x) * sin).MoveToOuterDisposeScope();
    }

    /// <summary><c>cat(-x₂, x₁)</c> over the halves of the last dimension.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat([second.neg(), first], -1).MoveToOuterDisposeScope();
    }
}
