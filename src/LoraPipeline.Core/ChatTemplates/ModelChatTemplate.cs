using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.ChatTemplates;

/// <summary>
/// A model folder's own Jinja <c>chat_template</c>, looked up where transformers keeps it: <c>chat_template.jinja</c>, then
/// <c>chat_template.json</c> (<c>{"chat_template": ...}</c>), then <c>tokenizer_config.json</c>'s <c>chat_template</c> (a string,
/// or a list of <c>{name, template}</c> of which the <c>default</c> one is used).
/// </summary>
/// <param name="Template">The template text.</param>
/// <param name="SourceFile">The file it came from (a path).</param>
internal sealed record ModelChatTemplate(string Template, string SourceFile)
{
    /// <summary>The model's chat template, or null when none of the files holds one.</summary>
    public static ModelChatTemplate? Find(string modelDirectory)
    {
        var jinja = Path.Combine(modelDirectory, "chat_template.jinja");
        if (File.Exists(jinja) && File.ReadAllText(jinja) is { Length: > 0 } text) return new(text, jinja);
        foreach (var name in new[] { "chat_template.json", "tokenizer_config.json" })
        {
            var path = Path.Combine(modelDirectory, name);
            if (!File.Exists(path)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(File.ReadAllText(path))?["chat_template"];
            }
            catch (JsonException e)
            {
                throw new ChatTemplateException($"{path}: not valid JSON ({e.Message})", e);
            }
            switch (node)
            {
                case null:
                    continue;
                case JsonValue value when value.TryGetValue<string>(out var template) && template.Length > 0:
                    return new(template, path);
                case JsonArray named:
                    var entry = named.OfType<JsonObject>().FirstOrDefault(o => o["name"]?.ToString() == "default")
                        ?? throw new ChatTemplateException($"{path}: chat_template is a list of named templates without a 'default' one; set model.prompt_format to a family format");
                    return new(entry["template"]?.ToString() ?? throw new ChatTemplateException($"{path}: the 'default' chat_template has no 'template'"), path);
                default:
                    throw new ChatTemplateException($"{path}: chat_template must be a string or a list of {{name, template}} objects");
            }
        }
        return null;
    }
}
