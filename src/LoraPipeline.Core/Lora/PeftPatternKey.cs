using System.Text.RegularExpressions;

namespace LoraPipeline.Lora;

/// <summary>
/// PEFT's lookup of a module's entry in <c>rank_pattern</c> / <c>alpha_pattern</c> (<c>peft.utils.other.get_pattern_key</c>):
/// the first key, in the file's order, that matches the path's tail, i.e. the regular expression <c>(.*\.)?(key)$</c>
/// matched from the start of the path; a module no key matches keeps <c>r</c> / <c>lora_alpha</c>. So <c>q_proj</c> names every layer's q_proj,
/// <c>layers.0.self_attn.q_proj</c> only layer 0's, and <c>model\.layers\.[01]\..*</c> the first two layers.
/// </summary>
internal static class PeftPatternKey
{
    /// <summary>The value for <paramref name="modulePath"/>, or <paramref name="fallback"/> when no key matches.</summary>
    public static T Lookup<T>(IReadOnlyList<KeyValuePair<string, T>> pattern, string modulePath, T fallback)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        foreach (var (key, value) in pattern)
            if (Matches(key, modulePath)) return value;
        return fallback;
    }

    /// <summary>Whether <paramref name="key"/> names <paramref name="modulePath"/> (the regular-expression rule above).</summary>
    public static bool Matches(string key, string modulePath) =>
        Regex.IsMatch(modulePath, $@"^(?:.*\.)?(?:{key})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>Null when <paramref name="key"/> is a valid regular expression, else the parser's message.</summary>
    public static string? Problem(string key)
    {
        try
        {
            _ = new Regex($@"^(?:.*\.)?(?:{key})$", RegexOptions.CultureInvariant);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}
