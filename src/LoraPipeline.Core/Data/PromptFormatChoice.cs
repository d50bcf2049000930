using LoraPipeline.ChatTemplates;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Data;

/// <summary>
/// Resolves <c>model.prompt_format</c>: <c>auto</c> uses the model's own Jinja <c>chat_template</c> when it ships one (as
/// transformers' <c>apply_chat_template</c> and TRL do), else picks a family format from the tokenizer's special tokens;
/// <c>chat_template</c> requires the model's template; a family format is used as configured.
/// </summary>
internal static class PromptFormatChoice
{
    /// <summary>The template, with the <c>bos_token</c>/<c>eos_token</c> texts a chat template is rendered with (null for family formats).</summary>
    /// <param name="configured">The configured format.</param>
    /// <param name="modelDirectory">The converted model folder (tokenizer files, chat template).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    public static (PromptTemplate Template, string? BosToken, string? EosToken) Choose(PromptFormat configured, string modelDirectory, ModelTokenizer tokenizer)
    {
        var specials = tokenizer.SpecialTokens.Keys.ToHashSet();
        if (configured is not (PromptFormat.Auto or PromptFormat.ChatTemplate)) return (PromptTemplate.Create(configured, specials), null, null);
        ModelChatTemplate? found;
        try
        {
            found = ModelChatTemplate.Find(modelDirectory);
        }
        catch (ChatTemplateException e)
        {
            throw new StageException($"model.prompt_format: {e.Message}", e);
        }
        if (found is null)
        {
            if (configured == PromptFormat.ChatTemplate)
                throw new StageException($"model.prompt_format is chat_template, but {modelDirectory} has no chat_template (chat_template.jinja, chat_template.json " +
                    "or tokenizer_config.json); set model.prompt_format to auto or a family format (plain, llama2, llama3, mistral, chatml)");
            return (PromptTemplate.Create(PromptFormat.Auto, specials), null, null);
        }
        var (bos, eos) = (TokenText(tokenizer, tokenizer.BosId), TokenText(tokenizer, tokenizer.EosId));
        try
        {
            return (PromptTemplate.FromChatTemplate(new ChatTemplatePrompt(found, bos, eos, specials)), bos, eos);
        }
        catch (ChatTemplateException e)
        {
            throw new StageException(
                $"model.prompt_format {ConfigNaming.EnumName(configured)}: {e.Message}. LoraPipeline renders each example as the messages system (instruction), " +
                "user (context passages and question), assistant (answer); for a model whose template refuses them set model.prompt_format to a family format " +
                "(plain, llama2, llama3, mistral, chatml)", e);
        }
    }

    // The special token's text as the template's bos_token/eos_token variable; null when the tokenizer has none.
    private static string? TokenText(ModelTokenizer tokenizer, int? id) =>
        id is { } value ? tokenizer.SpecialTokens.FirstOrDefault(p => p.Value == value).Key ?? tokenizer.Decode([value], skipSpecialTokens: false) : null;
}
