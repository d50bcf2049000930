using System.Text;
using System.Text.RegularExpressions;

namespace LoraPipeline.Tokenization;

/// <summary>The tokenizer.json <c>normalizer</c> steps this project supports: Unicode normal forms, Lowercase,
/// Prepend (non-empty input only) and Replace, alone or in a Sequence.</summary>
internal sealed class TextNormalizer
{
    private readonly Func<string, string>[] _steps;

    private TextNormalizer(Func<string, string>[] steps) => _steps = steps;

    public static TextNormalizer None { get; } = new([]);

    public bool IsEmpty => _steps.Length == 0;

    public string Apply(string text)
    {
        foreach (var step in _steps) text = step(text);
        return text;
    }

    public static TextNormalizer Parse(JsonAccess? json)
    {
        if (json is null) return None;
        var steps = new List<Func<string, string>>();
        Add(json.Value, steps);
        return new TextNormalizer([.. steps]);
    }

    private static void Add(JsonAccess json, List<Func<string, string>> steps)
    {
        var type = json.Required("type").String();
        switch (type)
        {
            case "Sequence":
                foreach (var item in json.Required("normalizers").Items()) Add(item, steps);
                break;
            case "NFC": steps.Add(s => s.Normalize(NormalizationForm.FormC)); break;
            case "NFD": steps.Add(s => s.Normalize(NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(s => s.Normalize(NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(s => s.Normalize(NormalizationForm.FormKD)); break;
            case "Lowercase": steps.Add(s => s.ToLowerInvariant()); break;
            case "Prepend":
                var prefix = json.Required("prepend").String();
                steps.Add(s => s.Length == 0 ? s : prefix + s);
                break;
            case "Replace":
                steps.Add(Replacement(json));
                break;
            default:
                throw json.Error($".type '{type}' is not a supported normalizer (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace). " +
                                 "This tokenizer cannot be reproduced exactly; use a model whose tokenizer.json uses these, or add support in LoraPipeline.Tokenization.");
        }
    }

    internal static Func<string, string> Replacement(JsonAccess json)
    {
        var pattern = json.Required("pattern");
        var content = json.Required("content").String();
        if (pattern.Optional("String") is { } literal)
        {
            var from = literal.String();
            return s => s.Replace(from, content, StringComparison.Ordinal);
        }
        if (pattern.Optional("Regex") is { } regex)
        {
            var compiled = new Regex(regex.String(), RegexOptions.CultureInvariant);
            return s => compiled.Replace(s, content.Replace("$", "$$", StringComparison.Ordinal));
        }
        throw pattern.Error("must hold 'String' or 'Regex'.");
    }
}
