using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Microsoft.ML.Tokenizers;

namespace LoraPipeline.Tokenization;

/// <summary>The tokenizer of a Hugging Face model folder, built with Microsoft.ML.Tokenizers from <c>tokenizer.json</c>
/// (byte-level BPE as in Llama 3 / Qwen2 / GPT-2, or SentencePiece-style BPE as in Llama 2 / Mistral),
/// <c>tokenizer.model</c> (SentencePiece), or <c>vocab.json</c> + <c>merges.txt</c>, with special tokens and
/// BOS/EOS/PAD from <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c>. Thread-safe.</summary>
internal sealed class ModelTokenizer
{
    private static readonly ConcurrentDictionary<string, (string Stamp, ModelTokenizer Tokenizer)> Cache = new(StringComparer.Ordinal);
    private static readonly string[] SourceFiles = ["tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    [ThreadStatic] private static List<AddedTokenSplitter.Piece>? t_pieces;

    private readonly TokenizerParts _parts;
    private readonly AddedTokenSplitter _splitter;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly int[] _prefix;
    private readonly int[] _suffix;

    private ModelTokenizer(TokenizerParts parts, IReadOnlyList<AddedToken> added, int[] prefix, int[] suffix,
        int? bos, int? eos, int? pad)
    {
        _parts = parts;
        _addedById = new Dictionary<int, AddedToken>();
        foreach (var token in added) _addedById[token.Id] = token;
        _splitter = new AddedTokenSplitter(added);
        _prefix = prefix;
        _suffix = suffix;
        BosId = bos;
        EosId = eos;
        PadId = pad;
        SpecialTokens = new ReadOnlyDictionary<string, int>(added.Where(t => t.Special).GroupBy(t => t.Content, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal));
        VocabSize = Math.Max(parts.Model.Size, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
    }

    /// <summary>The tokenizer kind: <c>byte-level-bpe</c>, <c>sentencepiece-bpe</c> or <c>sentencepiece-model</c>.</summary>
    public string Kind => _parts.Kind;

    /// <summary>The beginning-of-sequence token id, if the model has one.</summary>
    public int? BosId { get; }

    /// <summary>The end-of-sequence token id, if the model has one.</summary>
    public int? EosId { get; }

    /// <summary>The padding token id, if the model's config names one.</summary>
    public int? PadId { get; }

    /// <summary>One more than the largest token id (vocabulary plus added tokens).</summary>
    public int VocabSize { get; }

    /// <summary>Special tokens (content → id): recognised as single tokens inside text, dropped by <see cref="Decode"/> when skipping.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Loads (or returns the cached) tokenizer of a model folder. Throws <see cref="TokenizerException"/> naming the file and key on any problem.</summary>
    public static ModelTokenizer Load(string modelDirectory)
    {
        var directory = Path.GetFullPath(modelDirectory);
        if (!Directory.Exists(directory))
            throw new TokenizerException($"{directory}: model folder not found.");
        var stamp = string.Join('|', SourceFiles.Select(f => new FileInfo(Path.Combine(directory, f)))
            .Select(f => f.Exists ? $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}" : "-"));
        if (Cache.TryGetValue(directory, out var cached) && cached.Stamp == stamp) return cached.Tokenizer;
        var tokenizer = Build(directory);
        Cache[directory] = (stamp, tokenizer);
        return tokenizer;
    }

    /// <summary>Encodes text. Added/special token strings in the text (e.g. <c>&lt;|eot_id|&gt;</c>) become their single ids.
    /// With <paramref name="addSpecialTokens"/>, BOS (and EOS) are added only where the model's config says so, and never
    /// doubled: a text that already starts with BOS (or ends with EOS) does not get another.</summary>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var pieces = t_pieces ??= [];
        _splitter.Split(text, pieces);
        foreach (var piece in pieces)
        {
            if (piece.Token is { } token) ids.Add(token.Id);
            else _parts.Model.Encode(text.AsSpan(piece.Start, piece.Length), piece.Start == 0, ids);
        }
        if (addSpecialTokens)
        {
            if (_prefix.Length > 0 && !StartsWith(ids, _prefix)) ids.InsertRange(0, _prefix);
            if (_suffix.Length > 0 && !EndsWith(ids, _suffix)) ids.AddRange(_suffix);
        }
        return ids;
    }

    /// <summary>Decodes ids to text; with <paramref name="skipSpecialTokens"/> special tokens (BOS, EOS, chat markers) are left out.
    /// Ids the tokenizer does not know are ignored.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (_parts.DecodeIds is { } decodeIds)
        {
            var kept = new List<int>();
            foreach (var id in ids)
            {
                if (skipSpecialTokens && _addedById.TryGetValue(id, out var added) && added.Special) continue;
                kept.Add(id);
            }
            return decodeIds(kept);
        }
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special)) tokens.Add(added.Content);
            }
            else if (_parts.Model.IdToToken(id) is { } token)
            {
                tokens.Add(token);
            }
        }
        return _parts.Decode(tokens);
    }

    private static bool StartsWith(List<int> ids, int[] prefix)
    {
        if (ids.Count < prefix.Length) return false;
        for (var i = 0; i < prefix.Length; i++) if (ids[i] != prefix[i]) return false;
        return true;
    }

    private static bool EndsWith(List<int> ids, int[] suffix)
    {
        if (ids.Count < suffix.Length) return false;
        for (var i = 0; i < suffix.Length; i++) if (ids[ids.Count - suffix.Length + i] != suffix[i]) return false;
        return true;
    }

    private static ModelTokenizer Build(string directory)
    {
        var config = TokenizerConfigFiles.Read(directory);
        var parts = ReadParts(directory, config);

        // Added tokens: tokenizer.json's, then tokenizer_config.json's added_tokens_decoder, then named special tokens.
        var added = new List<AddedToken>(parts.AddedTokens);
        var known = added.Select(t => t.Id).ToHashSet();
        foreach (var token in config.AddedTokens)
            if (known.Add(token.Id)) added.Add(token);

        int? Resolve(string content, string where)
        {
            var existing = added.FirstOrDefault(t => t.Content == content);
            if (existing is not null)
            {
                if (!existing.Special) added[added.IndexOf(existing)] = existing with { Special = true };
                return existing.Id;
            }
            var id = parts.Model.TokenToId(content)
                     ?? throw new TokenizerException($"{where}: '{content}' is not a token of this tokenizer (neither in its vocabulary nor an added token). " +
                                                     "Fix the config to name a token that exists, or remove the key.");
            added.Add(new AddedToken(id, content, Special: true));
            return id;
        }

        var ids = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var role in TokenizerConfigFiles.NamedRoles)
            ids[role] = config.Named.TryGetValue(role, out var named) ? Resolve(named.Content, named.Where) : null;
        foreach (var (content, where) in config.AdditionalSpecial) Resolve(content, where);

        var bos = ids["bos_token"] ?? (parts.Model is SentencePieceModel sp ? sp.Tokenizer.BeginningOfSentenceId : null);
        var eos = ids["eos_token"] ?? (parts.Model is SentencePieceModel sp2 ? sp2.Tokenizer.EndOfSentenceId : null);

        var prefix = Affix(config.AddBos, bos, "add_bos_token", parts.TemplatePrefix,
            defaultOn: parts.Model is SentencePieceModel, directory);
        var suffix = Affix(config.AddEos, eos, "add_eos_token", parts.TemplateSuffix, defaultOn: false, directory);
        return new ModelTokenizer(parts, added, prefix, suffix, bos, eos, ids["pad_token"]);
    }

    /// <summary>tokenizer_config.json's add_bos_token/add_eos_token win; else the tokenizer.json post-processor's template; else the format's default.</summary>
    private static int[] Affix(bool? configured, int? id, string key, IReadOnlyList<int>? template, bool defaultOn, string directory)
    {
        if (configured is { } on)
        {
            if (!on) return [];
            return id is { } value ? [value]
                : throw new TokenizerException($"{Path.Combine(directory, "tokenizer_config.json")}: {key} is true but no such token is named " +
                                               $"({key.Replace("add_", "", StringComparison.Ordinal)}). Name it or set {key} to false.");
        }
        if (template is not null) return [.. template];
        return defaultOn && id is { } fallback ? [fallback] : [];
    }

    private static TokenizerParts ReadParts(string directory, TokenizerConfigFiles config)
    {
        var json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json)) return TokenizerJsonReader.Read(json);
        var model = Path.Combine(directory, "tokenizer.model");
        if (File.Exists(model)) return ReadSentencePieceModel(model, config);
        var vocab = Path.Combine(directory, "vocab.json");
        var merges = Path.Combine(directory, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges)) return VocabMergesReader.Read(vocab, merges);
        throw new TokenizerException($"{directory}: no tokenizer found. Expected tokenizer.json, tokenizer.model, or vocab.json + merges.txt " +
                                     "(download them with the model, e.g. from its Hugging Face repository).");
    }

    private static TokenizerParts ReadSentencePieceModel(string path, TokenizerConfigFiles config)
    {
        LlamaTokenizer tokenizer;
        try
        {
            using var stream = File.OpenRead(path);
            // Added tokens beyond the SentencePiece vocabulary (tokenizer_config.json's added_tokens_decoder) decode as themselves.
            tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            var extra = config.AddedTokens.Where(t => !tokenizer.Vocabulary.ContainsKey(t.Content))
                .ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
            if (extra.Count > 0)
            {
                stream.Position = 0;
                tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, specialTokens: extra);
            }
        }
        catch (Exception e) when (e is not TokenizerException)
        {
            throw new TokenizerException($"{path}: not a SentencePiece BPE model Microsoft.ML.Tokenizers can read ({e.Message}). " +
                                         "Replace it with the model's own tokenizer.model, or provide tokenizer.json.", e);
        }
        var model = new SentencePieceModel(tokenizer);
        return new TokenizerParts("sentencepiece-model", model, [], tokens => string.Concat(tokens), null, null)
        {
            DecodeIds = ids => tokenizer.Decode(ids, considerSpecialTokens: true),
        };
    }
}
