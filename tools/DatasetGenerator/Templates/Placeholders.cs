using System.Text.RegularExpressions;

namespace LoraPipeline.DatasetGenerator.Templates;

/// <summary>Fills <c>{name}</c> placeholders; a placeholder without a value is an error, never left in the output.</summary>
public static partial class Placeholders
{
    /// <summary>Replaces every <c>{name}</c> in <paramref name="template"/> with its value.</summary>
    /// <exception cref="InvalidOperationException">A placeholder has no value.</exception>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        PlaceholderPattern().Replace(template, match =>
            values.TryGetValue(match.Groups[1].Value, out var value)
                ? value
                : throw new InvalidOperationException($"No value for placeholder {match.Value} in template starting '{template[..Math.Min(40, template.Length)]}'"));

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex PlaceholderPattern();
}
