using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>Chooses next tokens from float32 logits [batch, vocab]: argmax, or temperature + top-p sampling.</summary>
internal sealed class TokenSampler : IDisposable
{
    private readonly SamplingOptions _options;
    private readonly Generator? _random;

    /// <summary>A sampler for <paramref name="options"/>; sampling draws from a CPU generator seeded with its seed, on the
    /// host (TorchSharp makes no GPU generator: see <see cref="Torch.DeviceRandom"/>), so the same probabilities give the
    /// same tokens on every device.</summary>
    public TokenSampler(SamplingOptions options)
    {
        _options = options;
        if (!IsGreedy) _random = new Generator((ulong)options.Seed, CPU);
    }

    // One draw per row from the host copy of the [batch, vocab] weights (a vocabulary row per token: a few hundred KiB).
    private Tensor Draw(Tensor weights) =>
        weights.device_type == TorchSharp.DeviceType.CPU ? multinomial(weights, 1, false, _random) : multinomial(weights.cpu(), 1, false, _random).to(weights.device);

    /// <summary>True when tokens are taken by argmax.</summary>
    public bool IsGreedy => _options.Greedy || _options.Temperature <= 0;

    /// <summary>The chosen token ids [batch] (int64).</summary>
    public Tensor Choose(Tensor logits)
    {
        using var scope = NewDisposeScope();
        if (IsGreedy) return logits.argmax(-1).MoveToOuterDisposeScope();
        var probabilities = nn.functional.softmax(logits.to(ScalarType.Float32) / _options.Temperature, -1);
        if (_options.TopP < 1)
        {
            var (sorted, order) = probabilities.sort(-1, descending: true);
            // Keep a token while the mass ranked above it is below top-p (so the most likely one always stays).
            var before = sorted.cumsum(-1) - sorted;
            var kept = sorted.masked_fill(before.gt(_options.TopP), 0);
            var pick = Draw(kept);
            return order.gather(-1, pick).squeeze(-1).MoveToOuterDisposeScope();
        }
        return Draw(probabilities).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _random?.Dispose();
}
