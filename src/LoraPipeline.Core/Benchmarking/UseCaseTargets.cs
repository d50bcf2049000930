namespace LoraPipeline.Benchmarking;

/// <summary>A use case's latency or throughput requirement.</summary>
/// <param name="Name">Use case.</param>
/// <param name="MaxTokenMilliseconds">Largest acceptable per-token latency, or null for none.</param>
/// <param name="MaxFirstTokenMilliseconds">Largest acceptable time to first token, or null for none.</param>
/// <param name="MinTokensPerSecond">Smallest acceptable generated tokens/s over the batch, or null for none.</param>
internal sealed record UseCaseTarget(string Name, double? MaxTokenMilliseconds, double? MaxFirstTokenMilliseconds, double? MinTokensPerSecond)
{
    /// <summary>Whether <paramref name="point"/> meets every bound of this target.</summary>
    public bool IsMetBy(BenchPoint point) =>
        (MaxTokenMilliseconds is not { } t || point.TokenMilliseconds <= t) &&
        (MaxFirstTokenMilliseconds is not { } f || point.FirstTokenMilliseconds <= f) &&
        (MinTokensPerSecond is not { } r || point.TokensPerSecond >= r);

    /// <summary>The bounds in words.</summary>
    public string Describe() => string.Join(", ", new[]
    {
        MaxTokenMilliseconds is { } t ? $"per-token < {t:0} ms" : null,
        MaxFirstTokenMilliseconds is { } f ? $"first token < {f:0} ms" : null,
        MinTokensPerSecond is { } r ? $">= {r:0} generated tokens/s" : null,
    }.Where(s => s is not null));
}

/// <summary>
/// The use-case targets, in one place. They follow the whitepaper's perception bands: under 100 ms feels instant,
/// under 200 ms fits a conversation, over 500 ms is a noticeable delay, over 1 s frustrates.
/// </summary>
internal static class UseCaseTargets
{
    /// <summary>The latency bands drawn on the chart, in milliseconds.</summary>
    public static IReadOnlyList<double> BandsMilliseconds { get; } = [100, 200, 500, 1000];

    /// <summary>Chatbot: streamed tokens feel instant (&lt; 100 ms each) and the answer starts before a noticeable delay (&lt; 500 ms).</summary>
    public static UseCaseTarget Chatbot { get; } = new("chatbot", 100, 500, null);

    /// <summary>Interactive assistant: tokens at conversational pace (&lt; 200 ms) and the answer starts within 1 s.</summary>
    public static UseCaseTarget InteractiveAssistant { get; } = new("interactive assistant", 200, 1000, null);

    /// <summary>Offline batch: no latency bound; at least 100 generated tokens/s over the batch.</summary>
    public static UseCaseTarget OfflineBatch { get; } = new("offline batch", null, null, 100);

    /// <summary>All targets.</summary>
    public static IReadOnlyList<UseCaseTarget> All { get; } = [Chatbot, InteractiveAssistant, OfflineBatch];
}
