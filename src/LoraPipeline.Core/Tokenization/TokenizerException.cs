namespace LoraPipeline.Tokenization;

/// <summary>A tokenizer that cannot be loaded or used; the message names the file (and JSON key) and what to do.</summary>
internal sealed class TokenizerException(string message, Exception? inner = null) : Exception(message, inner);
