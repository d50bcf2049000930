namespace LoraPipeline.Modeling;

/// <summary>How <see cref="TokenGenerator"/> chooses and stops.</summary>
internal sealed record SamplingOptions
{
    /// <summary>Most tokens generated per prompt.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Always take the most likely token (ignores temperature, top-p and seed).</summary>
    public bool Greedy { get; init; } = true;

    /// <summary>Softmax temperature when sampling; 0 or less means greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: sample among the most likely tokens whose probabilities sum to this (1 = all).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the random generator created for each call, so sampled runs repeat exactly.</summary>
    public long Seed { get; init; }

    /// <summary>Stop a prompt after any of these ids (the id is kept in its output); null = the model's <c>eos_token_id</c>.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>Keep keys and values in a <see cref="KvCache"/> (false recomputes the whole sequence every step).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Greedy decoding of up to <paramref name="maxNewTokens"/> tokens.</summary>
    public static SamplingOptions GreedyDecoding(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be 0 or more, got {MaxNewTokens}");
        if (!Greedy && !(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1], got {TopP}");
        if (!Greedy && double.IsNaN(Temperature)) throw new ArgumentException("temperature must be a number");
    }
}
