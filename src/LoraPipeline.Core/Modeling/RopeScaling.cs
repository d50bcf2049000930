namespace LoraPipeline.Modeling;

/// <summary>Llama 3 rotary frequency scaling (<c>rope_scaling.rope_type = "llama3"</c>).</summary>
/// <param name="Factor">Wavelength scale for low frequencies.</param>
/// <param name="LowFreqFactor">Boundary factor for low frequencies.</param>
/// <param name="HighFreqFactor">Boundary factor for high frequencies.</param>
/// <param name="OriginalMaxPositionEmbeddings">Context length the model was pre-trained with.</param>
internal sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);
