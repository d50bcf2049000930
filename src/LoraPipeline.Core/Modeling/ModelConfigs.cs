namespace LoraPipeline.Modeling;

/// <summary>
/// The one builder of Llama configs without a <c>config.json</c> (benchmarks, random models, tests): the sizes that
/// matter are arguments, the rest are Llama's defaults (no biases, untied embeddings, RMSNorm eps 1e-5, rope theta 10⁴).
/// </summary>
internal static class ModelConfigs
{
    /// <summary>A Llama config; <paramref name="headDim"/> defaults to hidden / heads.</summary>
    public static ModelConfig Llama(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
        int maxPositions = 2048, int? headDim = null) => new()
    {
        Architecture = ModelArchitecture.Llama,
        ArchitectureName = "LlamaForCausalLM",
        HiddenSize = hidden,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = headDim ?? hidden / heads,
        IntermediateSize = intermediate,
        VocabSize = vocab,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        MaxPositionEmbeddings = maxPositions,
        TieWordEmbeddings = false,
        QkvBias = false,
        OutputBias = false,
        MlpBias = false,
    };
}
