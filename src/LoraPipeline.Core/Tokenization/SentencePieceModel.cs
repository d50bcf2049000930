using Microsoft.ML.Tokenizers;

namespace LoraPipeline.Tokenization;

/// <summary>A SentencePiece <c>tokenizer.model</c> (protobuf) through Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/>;
/// as in SentencePiece itself, every segment gets the dummy-prefix ▁.</summary>
internal sealed class SentencePieceModel : ITokenModel
{
    private readonly LlamaTokenizer _tokenizer;
    private readonly Dictionary<int, string> _idToToken;

    public SentencePieceModel(LlamaTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _idToToken = tokenizer.Vocabulary.ToDictionary(kv => kv.Value, kv => kv.Key);
        Size = _idToToken.Count == 0 ? 0 : _idToToken.Keys.Max() + 1;
    }

    public LlamaTokenizer Tokenizer => _tokenizer;

    public int Size { get; }

    public void Encode(ReadOnlySpan<char> segment, bool atTextStart, List<int> ids) =>
        ids.AddRange(_tokenizer.EncodeToIds(segment, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: true, considerNormalization: true));

    public string? IdToToken(int id) => _idToToken.GetValueOrDefault(id);

    public int? TokenToId(string token) => _tokenizer.Vocabulary.TryGetValue(token, out var id) ? id : null;
}
