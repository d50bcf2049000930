using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Foundation;

/// <summary>The code defaults are the source; <c>configs/default.yaml</c> states each of them, with the same value.</summary>
public class DefaultConfigTests
{
    private static string DefaultYaml => RepositoryPaths.Combine("configs", "default.yaml");

    [Test]
    public void DefaultYamlEqualsTheCodeDefaults()
    {
        var fromYaml = ConfigJson.Serialize(ConfigLoader.Load(DefaultYaml));
        var fromCode = ConfigJson.Serialize(new PipelineConfig());
        Assert.That(fromYaml, Is.EqualTo(fromCode), "configs/default.yaml and the option classes' initialisers disagree");
    }

    [Test]
    public void DefaultYamlStatesEveryKeyThatHasAValue()
    {
        var stated = StatedKeys(File.ReadAllLines(DefaultYaml));
        var defaults = JsonNode.Parse(ConfigJson.Serialize(new PipelineConfig()))!.AsObject();
        var missing = (from section in defaults
                       from key in section.Value!.AsObject()
                       where key.Value is not null
                       let dotted = $"{section.Key}.{key.Key}"
                       where !stated.Contains(dotted)
                       select dotted).ToList();
        Assert.That(missing, Is.Empty, "keys with a default value that configs/default.yaml does not state");
    }

    // Two-level YAML: "section:" at column 0, "  key:" below it.
    private static HashSet<string> StatedKeys(IEnumerable<string> lines)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? section = null;
        foreach (var line in lines)
        {
            var top = Regex.Match(line, @"^([a-z0-9_]+):");
            if (top.Success) section = top.Groups[1].Value;
            var nested = Regex.Match(line, @"^  ([a-z0-9_]+):");
            if (nested.Success && section is not null) keys.Add($"{section}.{nested.Groups[1].Value}");
        }
        return keys;
    }
}
