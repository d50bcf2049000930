using System.Text.Json.Serialization;

namespace LoraPipeline.Configuration;

/// <summary>
/// The whole pipeline configuration: one YAML file with a section per concern. Keys are the
/// snake_case forms of the property names (for example <c>train.max_steps</c>).
/// </summary>
internal sealed class PipelineConfig
{
    /// <summary>The base model and its format.</summary>
    public ModelOptions Model { get; set; } = new();

    /// <summary>Dataset, retrieval, prompt and split settings.</summary>
    public DataOptions Data { get; set; } = new();

    /// <summary>LoRA adapter shape.</summary>
    public LoraOptions Lora { get; set; } = new();

    /// <summary>Optimisation, schedule, validation and checkpointing.</summary>
    public TrainOptions Train { get; set; } = new();

    /// <summary>Holdout evaluation and the release gate.</summary>
    public EvalOptions Eval { get; set; } = new();

    /// <summary>Packaging and the GitHub release.</summary>
    public PublishOptions Publish { get; set; } = new();

    /// <summary>The Benchmark stage's grid.</summary>
    public BenchOptions Bench { get; set; } = new();

    /// <summary>The Select stage's use case and hardware.</summary>
    public SelectOptions Select { get; set; } = new();

    /// <summary>The Sweep stage's grid of short training runs.</summary>
    public SweepOptions Sweep { get; set; } = new();

    /// <summary>The PEFT scheme (LoRA or P-tuning) and the P-tuning prompt encoder's shape.</summary>
    public PeftOptions Peft { get; set; } = new();

    /// <summary>The file the configuration was read from (for errors about keys it does not state).</summary>
    [JsonIgnore]
    public string SourceName { get; internal set; } = "(defaults)";

    /// <summary>Where each stated key's value came from: <c>file:line</c> or the <c>--set</c> argument.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> KeyOrigins { get; internal set; } = new Dictionary<string, string>();

    /// <summary>How each NeMo-style override was read, one line each: the NeMo key and value, then our keys or why nothing is set.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> NemoTranslations { get; internal set; } = [];

    /// <summary>A <see cref="ConfigException"/> about <paramref name="key"/> that names where its value came from.</summary>
    public ConfigException Problem(string key, string problem) =>
        new(KeyOrigins.TryGetValue(key, out var origin) ? origin : SourceName, key, problem);

    /// <summary>Checks that involve more than one key; throws <see cref="ConfigException"/>.</summary>
    internal void Validate()
    {
        if (Train.GlobalBatchSize % Train.MicroBatchSize != 0)
            throw Problem("train.global_batch_size", $"must be a multiple of train.micro_batch_size ({Train.MicroBatchSize}), got {Train.GlobalBatchSize}");
        var ratios = Data.TrainRatio + Data.ValidRatio + Data.TestRatio;
        if (Math.Abs(ratios - 1.0) > 1e-9)
            throw Problem("data.train_ratio", $"data.train_ratio + data.valid_ratio + data.test_ratio must be 1, got {ratios:0.###}");
        if (Data.ChunkOverlap >= Data.ChunkTokens)
            throw Problem("data.chunk_overlap", $"must be smaller than data.chunk_tokens ({Data.ChunkTokens}), got {Data.ChunkOverlap}");
        if (Lora.TargetModules.Count == 0)
            throw Problem("lora.target_modules", "must name at least one module, for example [q_proj, v_proj]");
        if (Peft.EncoderReparameterizationType == PromptEncoderType.Mlp && Peft.EncoderNumLayers != 2)
            throw Problem("peft.encoder_num_layers", $"the MLP prompt encoder always has PEFT's three linear layers (encoder_num_layers 2, which PEFT ignores for it), got {Peft.EncoderNumLayers}; set it for encoder_reparameterization_type: lstm");
        if (Peft.EncoderReparameterizationType == PromptEncoderType.Mlp && Peft.EncoderDropout != 0)
            throw Problem("peft.encoder_dropout", $"PEFT's MLP prompt encoder has no dropout (encoder_dropout applies between LSTM layers), got {Peft.EncoderDropout}; set 0 or use encoder_reparameterization_type: lstm");
    }
}
