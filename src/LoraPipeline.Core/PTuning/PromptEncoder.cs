using LoraPipeline.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.PTuning;

/// <summary>
/// P-tuning's prompt encoder, shaped as PEFT's <c>PromptEncoder</c> for one transformer submodule (a causal LM): an
/// <c>embedding</c> table [virtual tokens, token_dim] whose rows are reparameterised by either <c>mlp_head</c>
/// (Linear(token_dim, hidden) - ReLU - Linear(hidden, hidden) - ReLU - Linear(hidden, token_dim)) or <c>lstm_head</c>
/// (a bidirectional LSTM of <c>encoder_num_layers</c> with dropout between layers) followed by <c>mlp_head</c>
/// (Linear(2·hidden, 2·hidden) - ReLU - Linear(2·hidden, token_dim)). Everything is float32 with torch's default
/// initialisations (embedding N(0, 1), linear Kaiming-uniform, LSTM uniform ±1/√hidden), drawn from the seed given.
/// </summary>
internal sealed class PromptEncoder : nn.Module
{
    private readonly Embedding _embedding;
    private readonly Sequential _mlpHead;
    private readonly LSTM? _lstmHead;

    /// <summary>
    /// Builds the encoder for <paramref name="virtualTokens"/> tokens of width <paramref name="tokenDim"/> on
    /// <paramref name="device"/>; the initial weights come from <paramref name="seed"/> (drawn on the CPU, so they are the
    /// same on every device).
    /// </summary>
    public PromptEncoder(int virtualTokens, int tokenDim, int hiddenSize, PromptEncoderType type, int lstmLayers, double lstmDropout,
        long seed, Device device) : base("prompt_encoder")
    {
        VirtualTokens = virtualTokens;
        TokenDim = tokenDim;
        HiddenSize = hiddenSize;
        Type = type;
        // torch's initialisers draw from the default generator: seeding it here makes the draw a function of the seed alone.
        manual_seed(seed);
        _embedding = nn.Embedding(virtualTokens, tokenDim, dtype: ScalarType.Float32);
        if (type == PromptEncoderType.Lstm)
        {
            _lstmHead = nn.LSTM(tokenDim, hiddenSize, lstmLayers, bias: true, batchFirst: true, dropout: lstmDropout, bidirectional: true,
                dtype: ScalarType.Float32);
            _mlpHead = nn.Sequential(
                ("0", nn.Linear(hiddenSize * 2, hiddenSize * 2, dtype: ScalarType.Float32)),
                ("1", nn.ReLU()),
                ("2", nn.Linear(hiddenSize * 2, tokenDim, dtype: ScalarType.Float32)));
        }
        else
        {
            _mlpHead = nn.Sequential(
                ("0", nn.Linear(tokenDim, hiddenSize, dtype: ScalarType.Float32)),
                ("1", nn.ReLU()),
                ("2", nn.Linear(hiddenSize, hiddenSize, dtype: ScalarType.Float32)),
                ("3", nn.ReLU()),
                ("4", nn.Linear(hiddenSize, tokenDim, dtype: ScalarType.Float32)));
        }
        register_module("embedding", _embedding);
        if (_lstmHead is not null) register_module("lstm_head", _lstmHead);
        register_module("mlp_head", _mlpHead);
        if (device.type != TorchSharp.DeviceType.CPU) this.to(device);
    }

    /// <summary>Virtual tokens (rows of <c>embedding</c>).</summary>
    public int VirtualTokens { get; }

    /// <summary>The base model's hidden size (<c>token_dim</c>).</summary>
    public int TokenDim { get; }

    /// <summary><c>encoder_hidden_size</c>.</summary>
    public int HiddenSize { get; }

    /// <summary>MLP or LSTM.</summary>
    public PromptEncoderType Type { get; }

    /// <summary>The virtual token embeddings [virtual tokens, token_dim] in float32: every row of the table, reparameterised.</summary>
    public Tensor Encode()
    {
        using var scope = NewDisposeScope();
        var rows = _embedding.weight!.unsqueeze(0); // embedding(arange(N)) is the whole table, in order
        var encoded = _lstmHead is null ? _mlpHead.call(rows) : _mlpHead.call(_lstmHead.call(rows).Item1);
        return encoded.squeeze(0).MoveToOuterDisposeScope();
    }
}
