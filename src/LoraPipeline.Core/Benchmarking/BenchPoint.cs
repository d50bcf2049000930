namespace LoraPipeline.Benchmarking;

/// <summary>One measured setting of the inference benchmark.</summary>
/// <param name="BatchSize">Sequences generated together.</param>
/// <param name="PromptLength">Prompt tokens per sequence.</param>
/// <param name="NewTokens">Tokens generated per sequence.</param>
/// <param name="FirstTokenMilliseconds">Time to first token: the prompt pass (prefill) that yields it.</param>
/// <param name="TokenMilliseconds">Mean time of each later decoding step (every sequence gets one token per step).</param>
/// <param name="TokensPerSecond">Generated tokens of all sequences divided by the whole generation time (prefill included);
/// prompt tokens are not counted.</param>
internal sealed record BenchPoint(int BatchSize, int PromptLength, int NewTokens, double FirstTokenMilliseconds, double TokenMilliseconds, double TokensPerSecond);
