using System.Text.Json;

namespace LoraPipeline.Tokenization;

/// <summary>Typed reads of tokenizer JSON files that fail with the file name and the JSON path of the offending value.</summary>
internal readonly record struct JsonAccess(JsonElement Element, string File, string Path)
{
    public static JsonAccess Parse(string path)
    {
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return new JsonAccess(document.RootElement, System.IO.Path.GetFileName(path), "$");
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{path}: not valid JSON ({e.Message}). Replace the file with the one from the model's repository.", e);
        }
        catch (IOException e)
        {
            throw new TokenizerException($"{path}: cannot be read ({e.Message}).", e);
        }
    }

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public string Location => $"{File} at {Path}";

    public TokenizerException Error(string what) => new($"{File}: {Path}{(what.StartsWith('.') ? "" : " ")}{what}");

    public JsonAccess? Optional(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"must be a JSON object, not {Element.ValueKind}.");
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new JsonAccess(value, File, $"{Path}.{name}")
            : null;
    }

    public JsonAccess Required(string name) =>
        Optional(name) ?? throw Error($"has no '{name}'. The file looks incomplete: replace it with the one from the model's repository.");

    public string String()
    {
        if (Element.ValueKind != JsonValueKind.String) throw Error($"must be a string, not {Element.ValueKind}.");
        return Element.GetString()!;
    }

    public string? OptionalString(string name) => Optional(name)?.String();

    public bool Bool()
    {
        if (Element.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Error($"must be true or false, not {Element.ValueKind}.");
        return Element.GetBoolean();
    }

    public bool? OptionalBool(string name) => Optional(name)?.Bool();

    public int Int()
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt32(out var value)) throw Error($"must be an integer, not {Element}.");
        return value;
    }

    public IEnumerable<JsonAccess> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"must be a JSON array, not {Element.ValueKind}.");
        var i = 0;
        foreach (var item in Element.EnumerateArray()) yield return new JsonAccess(item, File, $"{Path}[{i++}]");
    }

    public IEnumerable<(string Name, JsonAccess Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"must be a JSON object, not {Element.ValueKind}.");
        foreach (var property in Element.EnumerateObject())
            yield return (property.Name, new JsonAccess(property.Value, File, $"{Path}.{property.Name}"));
    }

    /// <summary>A token given as a string or as an object with <c>content</c> (tokenizer_config.json's AddedToken form).</summary>
    public string TokenContent() =>
        Element.ValueKind == JsonValueKind.Object ? Required("content").String() : String();
}
