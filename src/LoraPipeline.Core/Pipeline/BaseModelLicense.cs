using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Pipeline;

/// <summary>
/// The licence a base model's Hugging Face model card (<c>README.md</c>, YAML front matter) declares: <c>license</c> and, for
/// <c>license: other</c>, <c>license_name</c>/<c>license_link</c>. Download records it in <c>source.json</c>; Publish writes it
/// into the adapter's model card, since an adapter is bound by its base's terms.
/// </summary>
/// <param name="Id">The Hub licence identifier (<c>apache-2.0</c>, <c>llama3.1</c>, <c>other</c>, ...).</param>
/// <param name="Name">The card's <c>license_name</c>, or null.</param>
/// <param name="Link">The card's <c>license_link</c>, or null.</param>
internal sealed record BaseModelLicense(string Id, string? Name = null, string? Link = null)
{
    /// <summary>The model card's file name in a model folder.</summary>
    public const string CardFile = "README.md";

    /// <summary>The licence the card in <paramref name="modelFolder"/> declares; null when there is no card, no front
    /// matter, no <c>license</c> key, or front matter that is not YAML (a card is documentation, never a reason to fail).</summary>
    public static BaseModelLicense? Read(string modelFolder)
    {
        var path = Path.Combine(modelFolder, CardFile);
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : null;
    }

    /// <summary>The licence declared in a model card's text (see <see cref="Read"/>).</summary>
    public static BaseModelLicense? Parse(string card)
    {
        var lines = card.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 2 || lines[0].TrimEnd() != "---") return null;
        var end = Array.FindIndex(lines, 1, l => l.TrimEnd() == "---");
        if (end < 0) return null;
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(string.Join('\n', lines[1..end])));
        }
        catch (YamlException)
        {
            return null;
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode front) return null;
        string? Scalar(string key) =>
            front.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { Length: > 0 } value } ? value.Trim() : null;
        return Scalar("license") is { Length: > 0 } id ? new BaseModelLicense(id, Scalar("license_name"), Scalar("license_link")) : null;
    }
}
