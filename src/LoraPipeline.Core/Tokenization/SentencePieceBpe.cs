using System.Text;
using Microsoft.ML.Tokenizers;

namespace LoraPipeline.Tokenization;

/// <summary>How a SentencePiece-style tokenizer.json marks word starts: a normalizer (Llama 2's Prepend ▁ + Replace
/// " " → ▁, per segment) or a Metaspace pre-tokenizer (with its prepend scheme and optional split at ▁).</summary>
internal sealed record MetaspaceRules(TextNormalizer Normalizer, char? Replacement, string PrependScheme, bool SplitAtReplacement);

/// <summary>SentencePiece-style BPE from tokenizer.json (Llama 2, Mistral): ▁ marks spaces, the whole segment is one
/// word merged by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, and characters outside the vocabulary fall
/// back to their UTF-8 bytes as <c>&lt;0xXX&gt;</c> tokens.</summary>
internal sealed class SentencePieceBpe : ITokenModel
{
    private readonly BpeTokenizer _bpe;
    private readonly MetaspaceRules _rules;
    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _tokens;
    private readonly int _unkId;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnknown;
    private readonly int[] _byteIds = new int[256];

    public SentencePieceBpe(Dictionary<string, int> vocab, IEnumerable<string> merges, string unkToken, bool byteFallback, bool fuseUnknown, MetaspaceRules rules)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _rules = rules;
        _unkId = vocab[unkToken];
        _byteFallback = byteFallback;
        _fuseUnknown = fuseUnknown;
        Size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _tokens = new string?[Size];
        foreach (var (token, id) in vocab) _tokens[id] = token;
        for (var b = 0; b < 256; b++) _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        _bpe = BpeTokenizer.Create(new BpeOptions(vocab) { Merges = merges, UnknownToken = unkToken, FuseUnknownTokens = false });
    }

    public int Size { get; }

    public string? IdToToken(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;

    public void Encode(ReadOnlySpan<char> segment, bool atTextStart, List<int> ids)
    {
        var text = _rules.Normalizer.IsEmpty ? segment.ToString() : _rules.Normalizer.Apply(segment.ToString());
        if (_rules.Replacement is { } mark)
        {
            text = text.Replace(' ', mark);
            var prepend = _rules.PrependScheme switch { "always" => true, "first" => atTextStart, _ => false };
            if (prepend && !text.StartsWith(mark)) text = mark + text;
            if (_rules.SplitAtReplacement)
            {
                var start = 0;
                for (var i = 1; i <= text.Length; i++)
                {
                    if (i < text.Length && text[i] != mark) continue;
                    EncodeWord(text, start, i - start, ids);
                    start = i;
                }
                return;
            }
        }
        EncodeWord(text, 0, text.Length, ids);
    }

    private void EncodeWord(string text, int start, int length, List<int> ids)
    {
        if (length == 0) return;
        var word = text.Substring(start, length);
        var tokens = _bpe.EncodeToTokens(word, out _, considerPreTokenization: false, considerNormalization: false);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Id != _unkId)
            {
                ids.Add(tokens[i].Id);
                continue;
            }
            // A run of unknown characters: byte fallback, else one <unk> per character (fused when fuse_unk).
            var runStart = tokens[i].Offset.Start.GetOffset(word.Length);
            var j = i;
            while (j + 1 < tokens.Count && tokens[j + 1].Id == _unkId) j++;
            var runEnd = tokens[j].Offset.End.GetOffset(word.Length);
            AppendUnknown(word.AsSpan(runStart, runEnd - runStart), ids);
            i = j;
        }
    }

    private void AppendUnknown(ReadOnlySpan<char> run, List<int> ids)
    {
        var lastWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in run.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(utf8);
            var allBytes = _byteFallback;
            for (var k = 0; k < n && allBytes; k++) allBytes = _byteIds[utf8[k]] >= 0;
            if (allBytes)
            {
                for (var k = 0; k < n; k++) ids.Add(_byteIds[utf8[k]]);
                lastWasUnk = false;
            }
            else
            {
                if (!(lastWasUnk && _fuseUnknown)) ids.Add(_unkId);
                lastWasUnk = true;
            }
        }
    }
}
