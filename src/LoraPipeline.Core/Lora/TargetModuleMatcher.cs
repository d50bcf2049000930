using System.Text.RegularExpressions;

namespace LoraPipeline.Lora;

/// <summary>
/// Selects projections by <c>target_modules</c> patterns. A pattern made only of letters, digits and underscores
/// is a short name (<c>q_proj</c>) and matches that projection in every layer; anything else is a regular
/// expression that must match the whole module path (<c>model\.layers\.(0|1)\.self_attn\.v_proj</c>), as PEFT's
/// <c>re.fullmatch</c> does. A pattern that matches nothing is an error naming it and the available names.
/// </summary>
internal static class TargetModuleMatcher
{
    private static readonly Regex ShortName = new("^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant);

    /// <summary>Whether <paramref name="pattern"/> is read as a short name rather than a regular expression.</summary>
    public static bool IsShortName(string pattern) => ShortName.IsMatch(pattern);

    /// <summary>
    /// The sites matched by any of <paramref name="patterns"/>, in the order of <paramref name="sites"/>.
    /// Throws <see cref="LoraException"/> for an empty pattern list, an invalid regular expression, or a pattern
    /// that matches nothing.
    /// </summary>
    public static IReadOnlyList<ProjectionSite> Select(IReadOnlyList<ProjectionSite> sites, IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0) throw new LoraException("lora.target_modules is empty: name at least one module, e.g. q_proj");
        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pattern in patterns)
        {
            if (string.IsNullOrWhiteSpace(pattern)) throw new LoraException("lora.target_modules holds an empty pattern");
            var matches = sites.Where(Matcher(pattern)).ToList();
            if (matches.Count == 0)
                throw new LoraException(
                    $"lora.target_modules: pattern '{pattern}' matches no module; short names available: " +
                    string.Join(", ", sites.Select(s => s.ShortName).Distinct()) +
                    $"; module paths look like {sites.FirstOrDefault()?.Path ?? "(model has no layers)"} " +
                    "(a regular expression must match the whole path)");
            foreach (var site in matches) selected.Add(site.Path);
        }
        return sites.Where(s => selected.Contains(s.Path)).ToList();
    }

    /// <summary>
    /// Whether an adapter's <c>target_modules</c> name the module <paramref name="path"/>, the way PEFT reads them:
    /// a list entry matches the path itself or its last dotted segments, a regular expression the whole path.
    /// </summary>
    public static bool Names(string path, IReadOnlyList<string> patterns) =>
        patterns.Any(pattern => path == pattern || path.EndsWith("." + pattern, StringComparison.Ordinal) || FullMatch(pattern, path));

    private static bool FullMatch(string pattern, string path)
    {
        try
        {
            return Regex.IsMatch(path, $"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false; // not a regular expression: only the name rule applies
        }
    }

    private static Func<ProjectionSite, bool> Matcher(string pattern)
    {
        if (IsShortName(pattern)) return site => site.ShortName == pattern;
        Regex regex;
        try
        {
            regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new LoraException($"lora.target_modules: pattern '{pattern}' is not a valid regular expression: {e.Message}", e);
        }
        return site => regex.IsMatch(site.Path);
    }
}
