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

    /// <summary>
    /// A <c>config.json</c> for a config built by <see cref="Llama"/> (Llama architecture, no biases, untied
    /// embeddings), so a random model can be written as a Hugging Face folder.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject LlamaJson(ModelConfig config, string torchDtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Architecture != ModelArchitecture.Llama || config.QkvBias || config.OutputBias || config.MlpBias || config.RopeScaling is not null)
            throw new ArgumentException("only plain Llama configs (as ModelConfigs.Llama builds them) are written here", nameof(config));
        return new()
        {
            ["architectures"] = new System.Text.Json.Nodes.JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_size"] = config.HiddenSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["intermediate_size"] = config.IntermediateSize,
            ["vocab_size"] = config.VocabSize,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = torchDtype,
        };
    }
}
