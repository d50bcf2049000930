namespace LoraPipeline.Tokenization;

/// <summary>A token matched in raw text before the model sees it (tokenizer.json <c>added_tokens</c>,
/// tokenizer_config.json <c>added_tokens_decoder</c>, or a named special token).</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false, bool SingleWord = false);
