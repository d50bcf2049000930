using LoraPipeline.Checkpoints;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.PTuning;

/// <summary>
/// A P-tuning adapter loaded for inference, as PEFT loads one (<c>inference_mode</c>): the stored
/// <c>prompt_embeddings</c> [virtual tokens, token_dim] are the virtual tokens, frozen, with no encoder; installed on a
/// model they go before every sequence (<see cref="LlamaModel.VirtualTokens"/>), cast to the model's compute dtype.
/// </summary>
internal sealed class VirtualPrompt : IVirtualTokens, IDisposable
{
    /// <summary>The one tensor of a prompt-learning adapter's <c>adapter_model.safetensors</c>.</summary>
    public const string WeightKey = "prompt_embeddings";

    private Tensor _embeddings;
    private LlamaForCausalLM? _model;

    private VirtualPrompt(string directory, PTuningConfig config, Tensor embeddings)
    {
        Directory = directory;
        Config = config;
        _embeddings = embeddings;
    }

    /// <summary>The folder it was read from.</summary>
    public string Directory { get; }

    /// <summary>Its <c>adapter_config.json</c>.</summary>
    public PTuningConfig Config { get; }

    /// <inheritdoc />
    public int Count => (int)_embeddings.shape[0];

    /// <inheritdoc />
    public Tensor Embeddings() => _embeddings;

    /// <summary>
    /// Reads a P_TUNING adapter folder. Throws <see cref="LoraException"/> for a missing file, a config this pipeline
    /// cannot apply, or weights other than one <c>prompt_embeddings</c> of [num_virtual_tokens, token_dim].
    /// </summary>
    public static VirtualPrompt Load(string directory)
    {
        var configPath = Path.Combine(directory, ArtifactNames.AdapterConfig);
        var weightsPath = Path.Combine(directory, ArtifactNames.AdapterWeights);
        if (!File.Exists(configPath)) throw new LoraException($"{directory}: no {ArtifactNames.AdapterConfig} (not a PEFT adapter folder)");
        if (!File.Exists(weightsPath)) throw new LoraException($"{directory}: no {ArtifactNames.AdapterWeights}");
        var config = PTuningConfig.Parse(File.ReadAllText(configPath), configPath);
        using var file = SafetensorsFile.Open(weightsPath);
        var names = file.Names.ToList();
        if (names.Count != 1 || names[0] != WeightKey)
            throw new LoraException($"{weightsPath}: a P_TUNING adapter holds one tensor '{WeightKey}', found [{string.Join(", ", names)}]");
        var shape = file.Entry(WeightKey).Shape;
        if (shape.Length != 2 || shape[0] != config.NumVirtualTokens || shape[1] != config.TokenDim)
            throw new LoraException($"{weightsPath}: '{WeightKey}' is [{string.Join(", ", shape)}], but {ArtifactNames.AdapterConfig} says " +
                                    $"[num_virtual_tokens = {config.NumVirtualTokens}, token_dim = {config.TokenDim}]");
        return new VirtualPrompt(directory, config, file.Read(WeightKey, ScalarType.Float32, CPU).DetachFromDisposeScope());
    }

    /// <summary>Puts the virtual tokens before every sequence <paramref name="model"/> runs; its hidden size must be token_dim.</summary>
    public void Apply(LlamaForCausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Config.HiddenSize != Config.TokenDim)
            throw new LoraException($"{Directory}: the adapter's token_dim is {Config.TokenDim} but the model's hidden size is {model.Config.HiddenSize}; it was trained for another base model");
        if (model.Model.VirtualTokens is not null) throw new LoraException($"{Directory}: the model already carries virtual tokens");
        var device = model.Model.EmbedTokens.weight!.device;
        if (device.ToString() != _embeddings.device.ToString())
        {
            var moved = _embeddings.to(device).DetachFromDisposeScope();
            _embeddings.Dispose();
            _embeddings = moved;
        }
        model.Model.VirtualTokens = this;
        _model = model;
    }

    /// <summary>Takes the virtual tokens off the model again.</summary>
    public void Remove()
    {
        if (_model is not null && ReferenceEquals(_model.Model.VirtualTokens, this)) _model.Model.VirtualTokens = null;
        _model = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Remove();
        _embeddings.Dispose();
    }
}
