namespace LoraPipeline.Tokenization;

/// <summary>Reads a Hugging Face <c>tokenizer.json</c> (BPE model; byte-level or SentencePiece-style) into
/// Microsoft.ML.Tokenizers-backed parts. Anything it cannot reproduce exactly is refused with the JSON path.</summary>
internal static class TokenizerJsonReader
{
    public static TokenizerParts Read(string path)
    {
        var root = JsonAccess.Parse(path);
        var model = root.Required("model");
        var type = model.OptionalString("type") ?? "BPE";
        if (type != "BPE")
            throw model.Error($".type '{type}' is not supported: only BPE tokenizers (Llama, Mistral, Qwen2, GPT-2 families) are. " +
                              "Use a model with a BPE tokenizer.json, or add support in LoraPipeline.Tokenization.");
        foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.OptionalString(name) is { Length: > 0 } affix)
                throw model.Required(name).Error($"is '{affix}'; BPE with subword affixes is not supported.");
        if (model.Optional("dropout") is { } dropout && dropout.Element.ValueKind == System.Text.Json.JsonValueKind.Number && dropout.Element.GetDouble() > 0)
            throw dropout.Error("is set; BPE dropout is a training-time option and is not supported for encoding. Set it to null.");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in model.Required("vocab").Properties()) vocab[token] = id.Int();
        var merges = ReadMerges(model.Required("merges"));
        var added = ReadAddedTokens(root.Optional("added_tokens"));

        var normalizer = TextNormalizer.Parse(root.Optional("normalizer"));
        var preTokenizer = root.Optional("pre_tokenizer");
        var byteLevel = FindByteLevel(preTokenizer);
        ITokenModel tokenModel;
        string kind;
        if (byteLevel is { } level)
        {
            if (model.OptionalBool("byte_fallback") == true)
                throw model.Required("byte_fallback").Error("is true together with a ByteLevel pre-tokenizer; that combination is not supported.");
            tokenModel = new ByteLevelBpeWithNormalizer(normalizer,
                new ByteLevelBpe(vocab, merges, level.Pattern, level.AddPrefixSpace, model.OptionalBool("ignore_merges") ?? false));
            kind = "byte-level-bpe";
        }
        else
        {
            var rules = ReadMetaspaceRules(normalizer, preTokenizer);
            var unk = model.OptionalString("unk_token")
                      ?? throw model.Error("has no unk_token; a SentencePiece-style BPE needs one (Llama 2 and Mistral use <unk>).");
            if (!vocab.ContainsKey(unk)) throw model.Required("unk_token").Error($"'{unk}' is not in model.vocab.");
            tokenModel = new SentencePieceBpe(vocab, merges, unk, model.OptionalBool("byte_fallback") ?? false,
                model.OptionalBool("fuse_unk") ?? false, rules);
            kind = "sentencepiece-bpe";
        }

        var decoder = TokenDecoder.Parse(root.Optional("decoder"));
        var (prefix, suffix) = ReadTemplate(root.Optional("post_processor"), added, tokenModel);
        return new TokenizerParts(kind, tokenModel, added, decoder.Decode, prefix, suffix);
    }

    private static List<string> ReadMerges(JsonAccess merges)
    {
        var list = new List<string>();
        foreach (var merge in merges.Items())
        {
            string left, right;
            if (merge.Element.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                var pair = merge.Items().ToArray();
                if (pair.Length != 2) throw merge.Error("must be a pair of tokens.");
                (left, right) = (pair[0].String(), pair[1].String());
            }
            else
            {
                var text = merge.String();
                var space = text.IndexOf(' ');
                if (space <= 0 || space != text.LastIndexOf(' ')) throw merge.Error($"'{text}' must be two tokens separated by one space.");
                (left, right) = (text[..space], text[(space + 1)..]);
            }
            if (left.Contains(' ') || right.Contains(' '))
                throw merge.Error("has a token containing a space, which Microsoft.ML.Tokenizers' merge format cannot express.");
            list.Add($"{left} {right}");
        }
        return list;
    }

    internal static List<AddedToken> ReadAddedTokens(JsonAccess? json)
    {
        var list = new List<AddedToken>();
        if (json is null) return list;
        foreach (var item in json.Value.Items())
        {
            list.Add(new AddedToken(item.Required("id").Int(), item.Required("content").String(), item.OptionalBool("special") ?? false,
                item.OptionalBool("lstrip") ?? false, item.OptionalBool("rstrip") ?? false, item.OptionalBool("single_word") ?? false));
        }
        return list;
    }

    private readonly record struct ByteLevelSplit(string? Pattern, bool AddPrefixSpace);

    /// <summary>ByteLevel alone (GPT-2 regex when use_regex) or Sequence[Split(Regex, Isolated), ByteLevel(use_regex: false)].</summary>
    private static ByteLevelSplit? FindByteLevel(JsonAccess? json)
    {
        if (json is not { } pre) return null;
        var type = pre.Required("type").String();
        if (type == "ByteLevel")
            return new ByteLevelSplit((pre.OptionalBool("use_regex") ?? true) ? ByteLevelBpe.Gpt2Pattern : null, pre.OptionalBool("add_prefix_space") ?? false);
        if (type != "Sequence") return null;
        var items = pre.Required("pretokenizers").Items().ToArray();
        if (!items.Any(i => i.Required("type").String() == "ByteLevel")) return null;
        if (items.Length == 1) return FindByteLevel(items[0]);
        if (items.Length == 2 && items[0].Required("type").String() == "Split" && items[1].Required("type").String() == "ByteLevel")
        {
            var split = items[0];
            var regex = split.Required("pattern").Optional("Regex")
                        ?? throw split.Required("pattern").Error("must be a Regex for a byte-level tokenizer.");
            if (split.OptionalString("behavior") is { } behavior && behavior != "Isolated")
                throw split.Required("behavior").Error($"'{behavior}' is not supported (only Isolated).");
            if (split.OptionalBool("invert") == true) throw split.Required("invert").Error("true is not supported.");
            if (items[1].OptionalBool("use_regex") ?? true)
                throw items[1].Required("use_regex").Error("must be false after a Split (two regex passes are not supported).");
            return new ByteLevelSplit(regex.String(), items[1].OptionalBool("add_prefix_space") ?? false);
        }
        throw pre.Error("is a Sequence of pre-tokenizers this project does not support; supported: ByteLevel, or Split(Regex, Isolated) then ByteLevel(use_regex: false).");
    }

    private static MetaspaceRules ReadMetaspaceRules(TextNormalizer normalizer, JsonAccess? pre)
    {
        if (pre is null) return new MetaspaceRules(normalizer, null, "never", false);
        var type = pre.Value.Required("type").String();
        if (type != "Metaspace")
            throw pre.Value.Error($".type '{type}' is not a supported pre-tokenizer for a non-byte-level BPE (supported: none, Metaspace). " +
                                  "Use a model whose tokenizer.json uses these, or add support in LoraPipeline.Tokenization.");
        var replacement = pre.Value.Required("replacement").String();
        if (replacement.Length != 1) throw pre.Value.Required("replacement").Error("must be one character.");
        var scheme = pre.Value.OptionalString("prepend_scheme")
                     ?? ((pre.Value.OptionalBool("add_prefix_space") ?? true) ? "always" : "never");
        if (scheme is not ("always" or "first" or "never")) throw pre.Value.Required("prepend_scheme").Error($"'{scheme}' is not always, first or never.");
        return new MetaspaceRules(normalizer, replacement[0], scheme, pre.Value.OptionalBool("split") ?? true);
    }

    /// <summary>The special tokens a post-processor adds before and after a single sequence.</summary>
    private static (IReadOnlyList<int>?, IReadOnlyList<int>?) ReadTemplate(JsonAccess? json, List<AddedToken> added, ITokenModel model)
    {
        if (json is not { } post) return (null, null);
        var type = post.Required("type").String();
        switch (type)
        {
            case "ByteLevel":
                return (null, null);
            case "Sequence":
                (IReadOnlyList<int>?, IReadOnlyList<int>?) found = (null, null);
                foreach (var item in post.Required("processors").Items())
                {
                    var (p, s) = ReadTemplate(item, added, model);
                    if (p is not null || s is not null) found = (p, s);
                }
                return found;
            case "TemplateProcessing":
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (post.Optional("special_tokens") is { } map)
                    foreach (var (name, value) in map.Properties())
                        specials[name] = value.Required("ids").Items().Select(i => i.Int()).ToArray();
                var prefix = new List<int>();
                var suffix = new List<int>();
                var seenSequence = false;
                foreach (var piece in post.Required("single").Items())
                {
                    if (piece.Optional("Sequence") is not null) { seenSequence = true; continue; }
                    var special = piece.Required("SpecialToken");
                    var name = special.Required("id").String();
                    var ids = specials.TryGetValue(name, out var known) ? known
                        : added.FirstOrDefault(t => t.Content == name)?.Id is { } addedId ? [addedId]
                        : model.TokenToId(name) is { } modelId ? [modelId]
                        : throw special.Error($"names '{name}', which is neither in special_tokens nor in the vocabulary.");
                    (seenSequence ? suffix : prefix).AddRange(ids);
                }
                return (prefix, suffix);
            default:
                throw post.Error($".type '{type}' is not a supported post-processor (supported: ByteLevel, TemplateProcessing, Sequence).");
        }
    }

    /// <summary>Applies the tokenizer.json normalizer to each segment before byte-level BPE (Qwen2's NFC).</summary>
    private sealed class ByteLevelBpeWithNormalizer(TextNormalizer normalizer, ByteLevelBpe inner) : ITokenModel
    {
        public int Size => inner.Size;

        public void Encode(ReadOnlySpan<char> segment, bool atTextStart, List<int> ids)
        {
            if (normalizer.IsEmpty) inner.Encode(segment, atTextStart, ids);
            else inner.Encode(normalizer.Apply(segment.ToString()), atTextStart, ids);
        }

        public string? IdToToken(int id) => inner.IdToToken(id);

        public int? TokenToId(string token) => inner.TokenToId(token);
    }
}
