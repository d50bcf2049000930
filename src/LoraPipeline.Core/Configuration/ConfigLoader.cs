using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LoraPipeline.Configuration;

/// <summary>
/// Loads a <see cref="PipelineConfig"/> from YAML, applies dotted <c>--set key=value</c> overrides, and
/// binds the result to the typed options, rejecting unknown keys, wrong types and out-of-range values
/// with a <see cref="ConfigException"/> that names the key and where it came from.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>Loads and validates a configuration file with overrides applied in order.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="overrides">Overrides such as <c>train.lr=2e-4</c>; values are YAML (so <c>[a, b]</c> is a list).</param>
    public static PipelineConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path))
            throw new ConfigException(path, "(file)", "config file not found; pass --config with an existing YAML file");
        return Parse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Parses configuration text; <paramref name="sourceName"/> names it in errors.</summary>
    public static PipelineConfig Parse(string yaml, string sourceName, IEnumerable<string>? overrides = null)
    {
        var origins = new Dictionary<YamlNode, string>(ReferenceEqualityComparer.Instance);
        var root = ReadRoot(yaml, sourceName);
        var nemoNotes = new List<string>();
        foreach (var assignment in overrides ?? [])
            foreach (var ours in TranslateNemo(assignment, nemoNotes))
                ApplyOverride(root, ours, origins, $"--set {assignment}");

        string OriginOf(YamlNode node) =>
            origins.TryGetValue(node, out var o) ? o : $"{sourceName}:{node.Start.Line}";

        var keyOrigins = new Dictionary<string, string>(StringComparer.Ordinal);
        var config = (PipelineConfig)BindObject(typeof(PipelineConfig), root, "", OriginOf, keyOrigins);
        config.SourceName = sourceName;
        config.KeyOrigins = keyOrigins;
        config.NemoTranslations = nemoNotes;
        config.Validate();
        return config;
    }

    private static YamlMappingNode ReadRoot(string yaml, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{sourceName}:{e.Start.Line}", "(syntax)", $"invalid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0) return new YamlMappingNode();
        return stream.Documents[0].RootNode switch
        {
            YamlMappingNode m => m,
            YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
            var other => throw new ConfigException($"{sourceName}:{other.Start.Line}", "(root)", "the file must be a mapping of sections (model, data, lora, train, eval, publish)"),
        };
    }

    // A NeMo override (trainer.max_steps=2048, model.optim.lr=1e-4, ...) becomes ours through NemoOverrides, is accepted
    // with a note, or is refused with the reason; anything else passes through unchanged.
    private static IEnumerable<string> TranslateNemo(string assignment, List<string> notes)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0) return [assignment];
        var key = assignment[..eq].Trim();
        var valueText = assignment[(eq + 1)..];
        if (!NemoOverrides.IsNemoKey(key, IsOurKey)) return [assignment];
        var origin = $"--set {assignment}";
        var entry = NemoOverrides.Find(key)
            ?? throw new ConfigException(origin, key,
                $"neither one of our keys nor a NeMo key translated here; NeMo keys known: {string.Join(", ", NemoOverrides.KnownNear(key))}");
        NemoValue value;
        try
        {
            value = NemoValue.Parse(valueText);
        }
        catch (YamlException e)
        {
            throw new ConfigException(origin, key, $"value is not valid YAML: {e.Message}");
        }
        var outcome = entry.Translate(value);
        if (outcome.Refusal is { } reason)
            throw new ConfigException(origin, key, $"NeMo key refused: {reason}");
        var mapped = string.Join(", ", outcome.Assignments.Select(a => $"{a.Key}={a.Value}"));
        notes.Add(outcome.Assignments.Count == 0
            ? $"{entry.Name}={valueText} -> nothing set: {outcome.Note}"
            : $"{entry.Name}={valueText} -> {mapped}{(outcome.Note is null ? "" : $" ({outcome.Note})")}");
        return outcome.Assignments.Select(a => $"{a.Key}={a.Value}").ToList();
    }

    private static bool IsOurKey(string key)
    {
        var type = typeof(PipelineConfig);
        foreach (var part in key.Split('.'))
        {
            var property = FindProperty(type, part);
            if (property is null) return false;
            type = property.PropertyType;
        }
        return true;
    }

    private static void ApplyOverride(YamlMappingNode root, string assignment, Dictionary<YamlNode, string> origins, string origin)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
            throw new ConfigException(origin, assignment, "an override must look like section.key=value, for example train.lr=2e-4");
        var key = assignment[..eq].Trim();
        var valueText = assignment[(eq + 1)..];
        var parts = key.Split('.');
        if (parts.Any(string.IsNullOrWhiteSpace))
            throw new ConfigException(origin, key, "empty segment in dotted key");

        // Check the path against the schema now, so the error names the --set argument.
        var type = typeof(PipelineConfig);
        for (var i = 0; i < parts.Length; i++)
        {
            var property = FindProperty(type, parts[i]);
            var prefix = string.Join('.', parts[..i]);
            if (property is null)
                throw new ConfigException(origin, key, $"unknown key; known keys{(prefix.Length > 0 ? $" in '{prefix}'" : "")}: {string.Join(", ", ConfigNaming.Keys(type).Select(k => k.Key))}");
            type = property.PropertyType;
            if (i < parts.Length - 1 && !IsSection(type))
                throw new ConfigException(origin, key, $"'{string.Join('.', parts[..(i + 1)])}' is a value, not a section");
        }

        YamlNode value;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(valueText));
            value = stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new ConfigException(origin, key, $"value is not valid YAML: {e.Message}");
        }
        MarkOrigins(value, origin, origins);

        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var k = new YamlScalarNode(parts[i]);
            if (!node.Children.TryGetValue(k, out var child) || child is not YamlMappingNode mapping)
            {
                mapping = new YamlMappingNode();
                origins[mapping] = origin;
                node.Children[k] = mapping;
            }
            node = mapping;
        }
        node.Children[new YamlScalarNode(parts[^1])] = value;
    }

    private static void MarkOrigins(YamlNode node, string origin, Dictionary<YamlNode, string> origins)
    {
        origins[node] = origin;
        foreach (var child in node.AllNodes) origins[child] = origin;
    }

    private static PropertyInfo? FindProperty(Type type, string key) =>
        ConfigNaming.Keys(type).FirstOrDefault(k => k.Key == key).Property;

    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !IsList(type);

    private static bool IsList(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static object BindObject(Type type, YamlNode node, string path, Func<YamlNode, string> originOf, Dictionary<string, string> keyOrigins)
    {
        var instance = Activator.CreateInstance(type)!;
        if (node is YamlScalarNode { Value: null or "" or "~" or "null" } && node.Tag.IsEmpty && ((YamlScalarNode)node).Style == ScalarStyle.Plain)
            return instance;
        if (node is not YamlMappingNode mapping)
            throw new ConfigException(originOf(node), path.Length == 0 ? "(root)" : path, "expected a section (a mapping of keys)");

        var seen = new HashSet<string>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var fullKey = path.Length == 0 ? key : $"{path}.{key}";
            if (!seen.Add(key))
                throw new ConfigException(originOf(keyNode), fullKey, "duplicate key");
            var property = FindProperty(type, key)
                ?? throw new ConfigException(originOf(keyNode), fullKey,
                    $"unknown key; known keys{(path.Length > 0 ? $" in '{path}'" : "")}: {string.Join(", ", ConfigNaming.Keys(type).Select(k => k.Key))}");
            var value = IsSection(property.PropertyType)
                ? BindObject(property.PropertyType, valueNode, fullKey, originOf, keyOrigins)
                : ConvertValue(property.PropertyType, valueNode, fullKey, originOf(valueNode));
            if (!IsSection(property.PropertyType)) keyOrigins[fullKey] = originOf(valueNode);
            CheckRange(property, value, fullKey, originOf(valueNode));
            property.SetValue(instance, value);
        }
        return instance;
    }

    private static object? ConvertValue(Type type, YamlNode node, string key, string origin)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        var isNullableRef = !type.IsValueType && nullable is null;
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } plain && plain.Value is null or "" or "~" or "null")
        {
            if (nullable is not null || (isNullableRef && type != typeof(string)) || (type == typeof(string) && IsNullableString(key)))
                return null;
            if (type == typeof(string) && plain.Value is "") return "";
            throw new ConfigException(origin, key, $"must not be empty; expected {Describe(type)}");
        }
        var target = nullable ?? type;

        if (IsList(target))
        {
            var elementType = target.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(target)!;
            if (node is not YamlSequenceNode sequence)
            {
                // A single scalar is accepted as a one-element list.
                list.Add(ConvertValue(elementType, node, key, origin));
                return list;
            }
            foreach (var item in sequence.Children) list.Add(ConvertValue(elementType, item, key, origin));
            return list;
        }

        if (node is not YamlScalarNode scalar)
            throw new ConfigException(origin, key, $"expected {Describe(target)}, got a {(node is YamlSequenceNode ? "list" : "section")}");
        var text = scalar.Value ?? "";
        var inv = CultureInfo.InvariantCulture;

        if (target == typeof(string)) return text;
        if (target == typeof(int) && int.TryParse(text.Replace("_", ""), NumberStyles.Integer, inv, out var i)) return i;
        if (target == typeof(long) && long.TryParse(text.Replace("_", ""), NumberStyles.Integer, inv, out var l)) return l;
        if (target == typeof(double) && double.TryParse(text.Replace("_", ""), NumberStyles.Float, inv, out var d) && double.IsFinite(d)) return d;
        if (target == typeof(bool))
        {
            if (text is "true" or "True" or "TRUE" or "yes" or "on") return true;
            if (text is "false" or "False" or "FALSE" or "no" or "off") return false;
        }
        if (target.IsEnum && ConfigNaming.ParseEnum(target, text) is { } value) return value;
        throw new ConfigException(origin, key, $"expected {Describe(target)}, got '{text}'");
    }

    // Strings declared nullable (string?) accept null; YamlDotNet-free reflection of nullability.
    private static readonly NullabilityInfoContext Nullability = new();
    private static readonly HashSet<string> NullableStringKeys = BuildNullableStringKeys();

    private static HashSet<string> BuildNullableStringKeys()
    {
        var keys = new HashSet<string>();
        foreach (var (section, sectionProperty) in ConfigNaming.Keys(typeof(PipelineConfig)))
            foreach (var (key, property) in ConfigNaming.Keys(sectionProperty.PropertyType))
                if (property.PropertyType == typeof(string) && Nullability.Create(property).WriteState == NullabilityState.Nullable)
                    keys.Add($"{section}.{key}");
        return keys;
    }

    private static bool IsNullableString(string key) => NullableStringKeys.Contains(key);

    private static string Describe(Type type)
    {
        if (type == typeof(int) || type == typeof(long)) return "an integer";
        if (type == typeof(double)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(ConfigNaming.ToSnakeCase));
        if (IsList(type)) return "a list";
        return type.Name;
    }

    private static void CheckRange(PropertyInfo property, object? value, string key, string origin)
    {
        if (value is null) return;
        var range = property.GetCustomAttribute<RangeAttribute>();
        if (range is null) return;
        if (!range.IsValid(value))
            throw new ConfigException(origin, key, $"must be between {range.Minimum} and {range.Maximum}, got {Convert.ToString(value, CultureInfo.InvariantCulture)}");
    }
}
