using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Configuration;

/// <summary>The value of one NeMo (Hydra) override, read as YAML: a scalar, <c>null</c>, or a list such as <c>[a.jsonl,b.jsonl]</c>.</summary>
internal sealed class NemoValue
{
    private NemoValue(string text, YamlNode node)
    {
        Text = text;
        Node = node;
    }

    /// <summary>The value as written after <c>=</c>.</summary>
    public string Text { get; }

    /// <summary>The parsed value.</summary>
    public YamlNode Node { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="YamlDotNet.Core.YamlException"/> when it is not YAML.</summary>
    public static NemoValue Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return new NemoValue(text, stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode);
    }

    /// <summary>True for <c>null</c>, <c>~</c>, <c>None</c> (Hydra and Python spellings) or nothing.</summary>
    public bool IsNull => Node is YamlScalarNode { Value: null or "" or "~" or "null" or "Null" or "NULL" or "None" };

    /// <summary>The scalar text, or null when the value is a list or a mapping.</summary>
    public string? Scalar => Node is YamlScalarNode s ? s.Value ?? "" : null;

    /// <summary>The value as a boolean (<c>True</c>/<c>False</c> as Hydra writes them), or null when it is not one.</summary>
    public bool? Bool => Scalar switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    /// <summary>The value as an integer, or null when it is not one.</summary>
    public long? Integer => long.TryParse(Scalar, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The items of a list value (a single scalar counts as a one-item list).</summary>
    public IReadOnlyList<string> Items => Node switch
    {
        YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? c.ToString()).ToList(),
        YamlScalarNode s when !IsNull => [s.Value ?? ""],
        _ => [],
    };

    /// <summary>Formats a value the way Hydra reads it: <c>True</c>/<c>False</c>, <c>null</c>, numbers in invariant culture,
    /// lists as <c>[a,b]</c>.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "True" : "False",
        double d => double.IsInteger(d) && Math.Abs(d) < 1e15 ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        string s => s,
        System.Collections.IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "null",
    };
}
