using System.Globalization;
using System.Text;

namespace LoraPipeline.Tokenization;

/// <summary>The tokenizer.json <c>decoder</c>: a chain of steps over the list of token strings, as in Hugging Face's
/// tokenizers (ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, alone or in a Sequence).</summary>
internal sealed class TokenDecoder
{
    private readonly Action<List<string>>[] _steps;

    private TokenDecoder(Action<List<string>>[] steps) => _steps = steps;

    /// <summary>Byte-level decoding (GPT-2 style).</summary>
    public static TokenDecoder ByteLevel { get; } = new([ByteLevelStep]);

    public string Decode(List<string> tokens)
    {
        if (_steps.Length == 0) return string.Join(' ', tokens);
        foreach (var step in _steps) step(tokens);
        return string.Concat(tokens);
    }

    public static TokenDecoder Parse(JsonAccess? json)
    {
        if (json is null) return new([]);
        var steps = new List<Action<List<string>>>();
        Add(json.Value, steps);
        return new([.. steps]);
    }

    private static void Add(JsonAccess json, List<Action<List<string>>> steps)
    {
        var type = json.Required("type").String();
        switch (type)
        {
            case "Sequence":
                foreach (var item in json.Required("decoders").Items()) Add(item, steps);
                break;
            case "ByteLevel": steps.Add(ByteLevelStep); break;
            case "ByteFallback": steps.Add(ByteFallbackStep); break;
            case "Fuse": steps.Add(FuseStep); break;
            case "Replace":
                var replace = TextNormalizer.Replacement(json);
                steps.Add(tokens => { for (var i = 0; i < tokens.Count; i++) tokens[i] = replace(tokens[i]); });
                break;
            case "Strip":
                var content = json.Required("content").String();
                if (content.Length != 1) throw json.Error(".content must be one character.");
                var start = json.Required("start").Int();
                var stop = json.Required("stop").Int();
                steps.Add(tokens => { for (var i = 0; i < tokens.Count; i++) tokens[i] = Strip(tokens[i], content[0], start, stop); });
                break;
            case "Metaspace":
                var replacement = json.Required("replacement").String();
                var scheme = json.OptionalString("prepend_scheme") ?? ((json.OptionalBool("add_prefix_space") ?? true) ? "always" : "never");
                steps.Add(tokens =>
                {
                    for (var i = 0; i < tokens.Count; i++)
                    {
                        var t = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
                        if (i == 0 && scheme != "never" && t.StartsWith(' ')) t = t[1..];
                        tokens[i] = t;
                    }
                });
                break;
            default:
                throw json.Error($".type '{type}' is not a supported decoder (supported: Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip). " +
                                 "Use a model whose tokenizer.json uses these, or add support in LoraPipeline.Tokenization.");
        }
    }

    private static void ByteLevelStep(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens) ByteLevelAlphabet.AppendBytes(token, bytes);
        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString(bytes.ToArray()));
    }

    private static void FuseStep(List<string> tokens)
    {
        var fused = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(fused);
    }

    private static void ByteFallbackStep(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        void Flush()
        {
            if (pending.Count == 0) return;
            var bytes = pending.ToArray();
            try
            {
                result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
            }
            catch (DecoderFallbackException)
            {
                result.Add(new string('\uFFFD', bytes.Length));
            }
            pending.Clear();
        }
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>' &&
                byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }
            Flush();
            result.Add(token);
        }
        Flush();
        tokens.Clear();
        tokens.AddRange(result);
    }

    private static string Strip(string token, char content, int start, int stop)
    {
        var from = 0;
        while (from < start && from < token.Length && token[from] == content) from++;
        var to = token.Length;
        while (token.Length - to < stop && to > from && token[to - 1] == content) to--;
        return token[from..to];
    }
}
