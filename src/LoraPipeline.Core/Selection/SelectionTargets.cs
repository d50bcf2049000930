using LoraPipeline.Benchmarking;

namespace LoraPipeline.Selection;

/// <summary>The use cases <c>lora select</c> knows, by the names users type, mapped to <see cref="UseCaseTargets"/>.</summary>
internal static class SelectionTargets
{
    /// <summary>Use-case names and their targets.</summary>
    public static IReadOnlyDictionary<string, UseCaseTarget> ByName { get; } = new Dictionary<string, UseCaseTarget>(StringComparer.OrdinalIgnoreCase)
    {
        ["chatbot"] = UseCaseTargets.Chatbot,
        ["assistant"] = UseCaseTargets.InteractiveAssistant,
        ["batch"] = UseCaseTargets.OfflineBatch,
    };

    /// <summary>
    /// The target of <paramref name="useCase"/> (or none), with any explicit bound replacing the use case's;
    /// errors name the use case or bound.
    /// </summary>
    public static UseCaseTarget Resolve(string? useCase, double? maxTokenMs, double? maxFirstTokenMs, double? minTokensPerSecond)
    {
        UseCaseTarget baseTarget;
        if (useCase is null) baseTarget = new UseCaseTarget("explicit targets", null, null, null);
        else if (!ByName.TryGetValue(useCase, out baseTarget!))
            throw new SelectionException($"--use-case: unknown use case '{useCase}'; known: {string.Join(", ", ByName.Keys)} (or give --max-token-ms, --max-first-token-ms, --min-tokens-per-second)");
        foreach (var (value, name) in new[] { (maxTokenMs, "--max-token-ms"), (maxFirstTokenMs, "--max-first-token-ms"), (minTokensPerSecond, "--min-tokens-per-second") })
            if (value is <= 0) throw new SelectionException($"{name}: must be positive, got {value}");
        var target = baseTarget with
        {
            MaxTokenMilliseconds = maxTokenMs ?? baseTarget.MaxTokenMilliseconds,
            MaxFirstTokenMilliseconds = maxFirstTokenMs ?? baseTarget.MaxFirstTokenMilliseconds,
            MinTokensPerSecond = minTokensPerSecond ?? baseTarget.MinTokensPerSecond,
        };
        if (target.MaxTokenMilliseconds is null && target.MaxFirstTokenMilliseconds is null && target.MinTokensPerSecond is null)
            throw new SelectionException("no target: give --use-case (chatbot, assistant, batch) or at least one of --max-token-ms, --max-first-token-ms, --min-tokens-per-second");
        return target;
    }

    /// <summary>How far <paramref name="point"/> misses <paramref name="target"/>: the worst ratio of achieved to allowed (≤ 1 meets it).</summary>
    public static double Miss(UseCaseTarget target, ServingPoint point)
    {
        var ratios = new List<double> { 0 };
        if (target.MaxTokenMilliseconds is { } t) ratios.Add(point.TokenMilliseconds / t);
        if (target.MaxFirstTokenMilliseconds is { } f) ratios.Add(point.FirstTokenMilliseconds / f);
        if (target.MinTokensPerSecond is { } r) ratios.Add(r / Math.Max(point.TokensPerSecond, 1e-9));
        return ratios.Max();
    }
}
