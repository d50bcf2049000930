using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Pipeline;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.PTuning;

/// <summary>
/// A P-tuning adapter being trained: a <see cref="PromptEncoder"/> whose output the model's decoder stack prepends to
/// every sequence (<see cref="LlamaModel.VirtualTokens"/>), the base untouched and frozen. Its parameters are the
/// encoder's (PEFT's names: <c>embedding.weight</c>, <c>mlp_head.0.weight</c>, ...), which checkpoints save and the
/// optimizer updates; <see cref="Save"/> writes what PEFT saves for inference, the encoded embeddings alone.
/// </summary>
internal sealed class PTuningAdapter : IVirtualTokens, ITrainableAdapter
{
    private readonly PeftOptions _options;

    private PTuningAdapter(LlamaForCausalLM model, PromptEncoder encoder, PeftOptions options)
    {
        Model = model;
        Encoder = encoder;
        _options = options;
    }

    /// <summary>The model the virtual tokens are installed on.</summary>
    public LlamaForCausalLM Model { get; }

    /// <summary>The trained encoder.</summary>
    public PromptEncoder Encoder { get; }

    /// <inheritdoc />
    public int Count => Encoder.VirtualTokens;

    /// <inheritdoc />
    public string Description => $"P-tuning ({ConfigNaming.EnumName(Encoder.Type)}), {Count} virtual tokens";

    /// <inheritdoc />
    public long TrainableParameterCount => NamedParameters().Sum(p => p.Value.numel());

    /// <summary>
    /// Builds the encoder that <paramref name="options"/> describes for <paramref name="model"/> (initial weights from
    /// <paramref name="seed"/>) and installs it; the model must not carry other virtual tokens.
    /// </summary>
    public static PTuningAdapter Install(LlamaForCausalLM model, PeftOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Model.VirtualTokens is not null) throw new LoraException("the model already carries virtual tokens");
        var hidden = model.Config.HiddenSize;
        var encoder = new PromptEncoder(options.NumVirtualTokens, hidden, options.EncoderHiddenSize ?? hidden, options.EncoderReparameterizationType,
            options.EncoderNumLayers, options.EncoderDropout, unchecked((long)LoraSeeds.For(seed, "prompt_encoder", "init")), model.Model.EmbedTokens.weight!.device);
        var adapter = new PTuningAdapter(model, encoder, options);
        model.Model.VirtualTokens = adapter;
        return adapter;
    }

    /// <inheritdoc />
    public Tensor Embeddings()
    {
        // The encoder is no submodule of the model, so it follows the model's mode here (the LSTM's dropout).
        if (Encoder.training != Model.training) Encoder.train(Model.training);
        return Encoder.Encode();
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, Parameter>> NamedParameters() =>
        Encoder.named_parameters().Select(p => KeyValuePair.Create(p.name, p.parameter)).ToList();

    /// <inheritdoc />
    /// <remarks>The LSTM's inter-layer dropout draws from the default generator of the encoder's device, seeded here from
    /// (seed, step) on the CPU and every GPU, so a resumed run draws what the uninterrupted one did.</remarks>
    public void ReseedDropout(long seed, int step)
    {
        if (Encoder.Type == PromptEncoderType.Lstm && _options.EncoderDropout > 0)
            Torch.DeviceRandom.SeedAll(unchecked((long)LoraSeeds.For(seed, "prompt_encoder", $"dropout-step-{step}")));
    }

    /// <summary>Takes the virtual tokens off the model again.</summary>
    public void Remove()
    {
        if (ReferenceEquals(Model.Model.VirtualTokens, this)) Model.Model.VirtualTokens = null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Writes the adapter in PEFT's P_TUNING format to <paramref name="directory"/> atomically: <c>adapter_config.json</c>
    /// and <c>adapter_model.safetensors</c> holding <c>prompt_embeddings</c> [virtual tokens, token_dim] in float32, the
    /// encoder's output in eval mode, which is what PEFT's <c>get_peft_model_state_dict</c> saves for a trained prompt
    /// encoder and what it uses as the embeddings when the adapter is loaded for inference.
    /// </remarks>
    public void Save(string directory, string baseModelNameOrPath, string? revision)
    {
        var config = PTuningConfig.For(Encoder, _options, Model.Config.NumAttentionHeads, Model.Config.NumHiddenLayers, baseModelNameOrPath, revision);
        AtomicDirectory.Write(directory, temp =>
        {
            using (var scope = NewDisposeScope())
            {
                var training = Encoder.training;
                Encoder.eval();
                Tensor embeddings;
                using (no_grad()) embeddings = Encoder.Encode().to(ScalarType.Float32).cpu().contiguous();
                Encoder.train(training);
                SafetensorsWriter.Save(Path.Combine(temp, ArtifactNames.AdapterWeights),
                    [KeyValuePair.Create(VirtualPrompt.WeightKey, embeddings)], new Dictionary<string, string> { ["format"] = "pt" });
            }
            AtomicFile.WriteAllText(Path.Combine(temp, ArtifactNames.AdapterConfig), config.ToJson());
        });
    }
}
