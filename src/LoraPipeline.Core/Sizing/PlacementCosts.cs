using LoraPipeline.Configuration;
using LoraPipeline.Modeling;

namespace LoraPipeline.Sizing;

/// <summary>
/// What each part of the network costs a device in training (the Plan's estimate split by owner), for balancing
/// layers across devices (<see cref="LayerPlacement.Balance"/>): the embedding table on the first device; per decoder
/// layer its frozen weights, adapter weights, gradients and AdamW moments, and its share of the activations; the final
/// norm, the LM head (a copy of a tied embedding) and the loss's tensors on the last.
/// </summary>
/// <param name="EmbeddingBytes">The embedding table.</param>
/// <param name="LayerBytes">Each decoder layer.</param>
/// <param name="HeadBytes">Final norm, LM head and the loss.</param>
internal sealed record PlacementCosts(long EmbeddingBytes, IReadOnlyList<long> LayerBytes, long HeadBytes)
{
    /// <summary>Splits <see cref="TrainingEstimate.Compute"/> for <paramref name="config"/> and <paramref name="inputs"/>.</summary>
    public static PlacementCosts Compute(ModelConfig config, SizingInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        var estimate = TrainingEstimate.Compute(config, inputs);
        var table = (long)config.VocabSize * config.HiddenSize * inputs.ElementBytes;
        var lossTokens = (long)inputs.MicroBatchSize * Math.Min(inputs.LossTokens ?? inputs.SeqLength, inputs.SeqLength);
        var head = table + config.HiddenSize * inputs.ElementBytes + ActivationModel.LossBytes(config, inputs, lossTokens);
        // Frozen bytes count the head only when untied; here the last device holds one either way.
        var untiedTables = config.TieWordEmbeddings ? table : 2 * table;
        var layers = Math.Max(0, estimate.TensorBytes - untiedTables - ActivationModel.LossBytes(config, inputs, lossTokens));
        var perLayer = layers / Math.Max(1, config.NumHiddenLayers);
        return new PlacementCosts(table, Enumerable.Repeat(perLayer, config.NumHiddenLayers).ToList(), head);
    }
}
