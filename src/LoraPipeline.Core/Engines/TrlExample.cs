namespace LoraPipeline.Engines;

/// <summary>One line of the bundle's data files: TRL's standard prompt/completion format (loss on the completion only).</summary>
/// <param name="Prompt">The rendered prompt, exactly Prepare's <c>input</c>.</param>
/// <param name="Completion">The answer, exactly Prepare's <c>output</c>; TRL appends the end token (<c>SFTConfig.eos_token</c>).</param>
/// <param name="Id">Prepare's example id (ignored by TRL, kept for tracing).</param>
internal sealed record TrlExample(string Prompt, string Completion, string Id);
