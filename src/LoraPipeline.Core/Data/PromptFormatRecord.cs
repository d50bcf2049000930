using System.Text.Json;
using System.Text.Json.Serialization;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Data;

/// <summary>
/// <c>prompt_format.json</c>: the exact prompt format Prepare used, so Evaluate, <c>lora generate</c> and a
/// published adapter render prompts identically to training.
/// </summary>
/// <param name="Format">Concrete prompt format.</param>
/// <param name="Instruction">The system instruction.</param>
/// <param name="RefusalAnswer">The refusal sentence the model learns.</param>
/// <param name="EndOfTurnToken">Special token that ends answers, or null for the tokenizer's eos.</param>
/// <param name="EndId">Its id.</param>
/// <param name="BosId">BOS id the tokenizer prepends (or, for <see cref="PromptFormat.ChatTemplate"/>, the template writes), or null when none.</param>
/// <param name="ChatTemplate">For <see cref="PromptFormat.ChatTemplate"/>: the model's Jinja template that rendered the examples.</param>
/// <param name="ChatTemplateFile">Its file name in the model folder (<c>tokenizer_config.json</c>, <c>chat_template.jinja</c>, ...).</param>
/// <param name="BosToken">The <c>bos_token</c> text the template was rendered with, or null.</param>
/// <param name="EosToken">The <c>eos_token</c> text the template was rendered with, or null.</param>
internal sealed record PromptFormatRecord(PromptFormat Format, string Instruction, string RefusalAnswer, string? EndOfTurnToken, int EndId, int? BosId,
    string? ChatTemplate = null, string? ChatTemplateFile = null, string? BosToken = null, string? EosToken = null)
{
    /// <summary>The format's config name (<c>llama3</c>, <c>chat_template</c>, ...).</summary>
    [JsonIgnore]
    public string FormatName => ConfigNaming.EnumName(Format);

    /// <summary>Which format rendered the prompts, for logs and reports: the family format's name, or the model's chat template and its file.</summary>
    [JsonIgnore]
    public string Description => Format == PromptFormat.ChatTemplate ? $"chat_template (the base model's, from {ChatTemplateFile})" : FormatName;

    /// <summary>Writes the record atomically.</summary>
    public void Write(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, ArtifactNames.PromptFormat), JsonSerializer.Serialize(this, ConfigJson.Options) + "\n");

    /// <summary>Reads the record from a folder holding <c>prompt_format.json</c> (a prepare or adapter folder) or from the file itself.</summary>
    public static PromptFormatRecord Read(string directoryOrFile)
    {
        var path = File.Exists(directoryOrFile) ? directoryOrFile : Path.Combine(directoryOrFile, ArtifactNames.PromptFormat);
        if (!File.Exists(path)) throw new StageException($"{path} is missing; run the Prepare stage first");
        return JsonSerializer.Deserialize<PromptFormatRecord>(File.ReadAllText(path), ConfigJson.Options)
            ?? throw new StageException($"{path}: empty");
    }
}
