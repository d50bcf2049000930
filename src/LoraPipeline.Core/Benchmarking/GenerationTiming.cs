using LoraPipeline.Modeling;
using System.Diagnostics;

namespace LoraPipeline.Benchmarking;

/// <summary>Per-token decoding times of one generation run (the prompt pass excluded).</summary>
/// <param name="UseCache">Whether the KV cache was used.</param>
/// <param name="Tokens">Tokens generated.</param>
/// <param name="FirstMilliseconds">Median milliseconds per token over the first <paramref name="Window"/> decoded tokens.</param>
/// <param name="LastMilliseconds">Median milliseconds per token over the last <paramref name="Window"/> decoded tokens.</param>
/// <param name="Window">Tokens averaged at each end.</param>
internal sealed record GenerationTiming(bool UseCache, int Tokens, double FirstMilliseconds, double LastMilliseconds, int Window)
{
    /// <summary>Last over first: near 1 when each step costs the same (cache), growing with length without it.</summary>
    public double Ratio => LastMilliseconds / FirstMilliseconds;

    /// <summary>
    /// Greedily generates <paramref name="tokens"/> tokens (eos ignored) after <paramref name="prompt"/> and times
    /// each step. Needs at least 2 × <paramref name="window"/> + 1 tokens.
    /// </summary>
    public static GenerationTiming Measure(LlamaForCausalLM model, IReadOnlyList<int> prompt, int tokens, bool useCache, int window = 16)
    {
        if (tokens < 2 * window + 1) throw new ArgumentException($"need at least {2 * window + 1} tokens to time, got {tokens}", nameof(tokens));
        var options = new SamplingOptions { MaxNewTokens = tokens, EosTokenIds = [], UseCache = useCache };
        var stamps = new List<double>(tokens);
        var clock = Stopwatch.StartNew();
        TokenGenerator.Generate(model, [prompt], options, _ => stamps.Add(clock.Elapsed.TotalMilliseconds));
        // Step k's cost is stamps[k] - stamps[k-1]; step 0 (the prompt pass) is left out.
        var steps = Enumerable.Range(1, stamps.Count - 1).Select(k => stamps[k] - stamps[k - 1]).ToList();
        // Medians, not means: one scheduler hiccup or GC pause in a 16-token window would otherwise decide the ratio.
        return new GenerationTiming(useCache, stamps.Count, Statistics.Median(steps.Take(window)), Statistics.Median(steps.TakeLast(window)), window);
    }

    /// <summary>One line: mode, both medians and the ratio.</summary>
    public override string ToString() =>
        $"{(UseCache ? "kv cache" : "no cache")}: {Tokens} tokens; first {Window}: {FirstMilliseconds:F3} ms/token (median); " +
        $"last {Window}: {LastMilliseconds:F3} ms/token (median); ratio last/first: {Ratio:F2}";
}
