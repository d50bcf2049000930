using LoraPipeline.Modeling;

namespace LoraPipeline.Selection;

/// <summary>A candidate base model of the selection catalogue.</summary>
/// <param name="Name">Short name (<c>llama-3.1-8b</c>).</param>
/// <param name="HubId">Its Hugging Face repository (<c>meta-llama/Llama-3.1-8B</c>).</param>
/// <param name="Family">Prompt-format family (<c>llama2</c>, <c>llama3</c>, <c>mistral</c>, <c>qwen2</c>, ...).</param>
/// <param name="Config">Its dense shapes; for a mixture of experts, one expert's MLP per layer.</param>
/// <param name="ContextLength">Context the model card states.</param>
/// <param name="License">The card's licence identifier.</param>
/// <param name="Gated">Whether the Hub asks users to accept terms before downloading.</param>
/// <param name="BenchmarkScore">The user's optional quality score (higher is better).</param>
/// <param name="Experts">Experts per layer (1 for a dense model).</param>
/// <param name="ExpertsPerToken">Experts each token is routed to (1 for a dense model).</param>
internal sealed record CatalogueModel(
    string Name, string HubId, string Family, ModelConfig Config, int ContextLength, string License, bool Gated,
    double? BenchmarkScore, int Experts = 1, int ExpertsPerToken = 1)
{
    /// <summary>Whether tokens are routed to a few of several experts per layer.</summary>
    public bool IsMixtureOfExperts => Experts > 1;

    private long ExpertParameters => 3L * Config.HiddenSize * Config.IntermediateSize;

    private long RouterParameters => IsMixtureOfExperts ? (long)Config.HiddenSize * Experts : 0;

    /// <summary>All parameters (every expert, the routers).</summary>
    public long TotalParameters =>
        Config.ParameterCount() + Config.NumHiddenLayers * ((Experts - 1) * ExpertParameters + RouterParameters);

    /// <summary>Parameters one token passes through (its <see cref="ExpertsPerToken"/> experts).</summary>
    public long ActiveParameters =>
        Config.ParameterCount() + Config.NumHiddenLayers * ((ExpertsPerToken - 1) * ExpertParameters + RouterParameters);

    /// <summary>
    /// Parameters read from memory by one step over <paramref name="tokens"/> tokens: everything but the experts and an
    /// untied input embedding (looked up, not streamed), plus
    /// the experts at least one token is routed to, E·(1 − (1 − k/E)^tokens) per layer under uniform routing.
    /// </summary>
    public double ParametersReadFor(long tokens)
    {
        // An untied input embedding is looked up row by row, not streamed: only the LM head is read in full.
        var dense = Config.ParameterCount() - (Config.TieWordEmbeddings ? 0.0 : (double)Config.VocabSize * Config.HiddenSize);
        if (!IsMixtureOfExperts) return dense;
        var touched = Experts * (1 - Math.Pow(1 - (double)ExpertsPerToken / Experts, tokens));
        return dense - Config.NumHiddenLayers * (double)ExpertParameters +
               Config.NumHiddenLayers * (touched * ExpertParameters + RouterParameters);
    }
}
