using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>What the model card is written from.</summary>
internal sealed class ModelCardInputs
{
    /// <summary>The evaluation report (metrics, gate, model, dataset).</summary>
    public required EvaluationReport Report { get; init; }

    /// <summary>The pipeline config the adapter was trained with (hyperparameters).</summary>
    public required PipelineConfig Config { get; init; }

    /// <summary>The PEFT <c>adapter_config.json</c>.</summary>
    public required JsonObject AdapterConfig { get; init; }

    /// <summary>The prompt format used in training (for example <c>llama3</c>), or null when unknown.</summary>
    public string? PromptFormat { get; init; }

    /// <summary>The card's licence (see <see cref="CardLicense"/>), or null to leave <c>license</c> out.</summary>
    public Pipeline.BaseModelLicense? License { get; init; }

    /// <summary>The release tag (<c>adapter-v0.1.0</c>).</summary>
    public required string Tag { get; init; }

    /// <summary>The files in the package, for the contents list.</summary>
    public required IReadOnlyList<string> Files { get; init; }
}
