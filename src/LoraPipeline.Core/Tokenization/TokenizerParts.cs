namespace LoraPipeline.Tokenization;

/// <summary>What a tokenizer file yields before tokenizer_config.json is applied: the model, its added tokens,
/// how to decode, and the special tokens its post-processor puts around a single sequence (null when it says nothing).</summary>
internal sealed record TokenizerParts(
    string Kind,
    ITokenModel Model,
    IReadOnlyList<AddedToken> AddedTokens,
    Func<List<string>, string> Decode,
    IReadOnlyList<int>? TemplatePrefix,
    IReadOnlyList<int>? TemplateSuffix)
{
    /// <summary>Decodes ids directly (already filtered of skipped special tokens) when the backend decodes by id.</summary>
    public Func<List<int>, string>? DecodeIds { get; init; }
}
