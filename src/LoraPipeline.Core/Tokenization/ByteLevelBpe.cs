using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LoraPipeline.Tokenization;

/// <summary>Byte-level BPE (GPT-2, Llama 3, Qwen2): a regex splits the text into words, each word's UTF-8 bytes are
/// spelled in <see cref="ByteLevelAlphabet"/> and merged by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>.</summary>
internal sealed class ByteLevelBpe : ITokenModel
{
    /// <summary>GPT-2's split pattern (also what a ByteLevel pre-tokenizer with <c>use_regex: true</c> applies).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _bpe;
    private readonly Regex? _split;
    private readonly bool _addPrefixSpace;
    private readonly bool _ignoreMerges;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string?[] _tokens;

    public ByteLevelBpe(Dictionary<string, int> vocab, IEnumerable<string> merges, string? splitPattern, bool addPrefixSpace, bool ignoreMerges)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _split = splitPattern is null ? null : new Regex(splitPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _addPrefixSpace = addPrefixSpace;
        _ignoreMerges = ignoreMerges;
        Size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _tokens = new string?[Size];
        foreach (var (token, id) in vocab) _tokens[id] = token;
        _bpe = BpeTokenizer.Create(new BpeOptions(vocab) { Merges = merges, ByteLevel = true });
    }

    public int Size { get; }

    public string? IdToToken(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;

    public void Encode(ReadOnlySpan<char> segment, bool atTextStart, List<int> ids)
    {
        if (_addPrefixSpace && segment.Length > 0 && segment[0] != ' ')
        {
            var prefixed = string.Concat(" ", segment);
            EncodeWords(prefixed, ids);
        }
        else
        {
            EncodeWords(segment, ids);
        }
    }

    private void EncodeWords(ReadOnlySpan<char> text, List<int> ids)
    {
        if (_split is null)
        {
            EncodeWord(text, ids);
            return;
        }
        var at = 0;
        foreach (var match in _split.EnumerateMatches(text))
        {
            if (match.Index > at) EncodeWord(text[at..match.Index], ids);
            if (match.Length > 0) EncodeWord(text.Slice(match.Index, match.Length), ids);
            at = match.Index + match.Length;
        }
        if (at < text.Length) EncodeWord(text[at..], ids);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        if (_ignoreMerges && TryWholeWord(word, out var id))
        {
            ids.Add(id);
            return;
        }
        ids.AddRange(_bpe.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
    }

    private bool TryWholeWord(ReadOnlySpan<char> word, out int id)
    {
        Span<byte> bytes = stackalloc byte[128];
        Span<char> spelled = stackalloc char[128];
        if (System.Text.Encoding.UTF8.GetMaxByteCount(word.Length) > bytes.Length)
        {
            return _vocab.TryGetValue(ByteLevelAlphabet.EncodeText(word), out id);
        }
        var count = System.Text.Encoding.UTF8.GetBytes(word, bytes);
        ByteLevelAlphabet.Spell(bytes[..count], spelled);
        return _lookup.TryGetValue(spelled[..count], out id);
    }
}
