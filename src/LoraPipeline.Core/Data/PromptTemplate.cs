using LoraPipeline.ChatTemplates;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Data;

/// <summary>
/// Renders RAG prompts in a model family's chat format, a plain instruction template, or the model's own Jinja chat template
/// (<see cref="ChatTemplatePrompt"/>). A family format's prompt never contains BOS (the tokenizer adds exactly one where the
/// model expects it); a chat template writes its own, and its text is tokenized without the tokenizer's specials, as
/// transformers' <c>apply_chat_template</c> does. The answer is followed by the format's end-of-turn token, a learned label.
/// </summary>
internal sealed class PromptTemplate
{
    private readonly ChatTemplatePrompt? _chat;

    private PromptTemplate(PromptFormat format, string? endOfTurn, ChatTemplatePrompt? chat = null) =>
        (Format, EndOfTurnToken, _chat) = (format, endOfTurn, chat);

    /// <summary>The model's chat template when <see cref="Format"/> is <see cref="PromptFormat.ChatTemplate"/>, else null.</summary>
    public ChatTemplatePrompt? ChatTemplate => _chat;

    /// <summary>Whether the tokenizer's own special tokens (BOS) go around the prompt; false for a chat template, which writes them.</summary>
    public bool AddsTokenizerSpecials => _chat is null;

    /// <summary>The template for the model's own chat template.</summary>
    public static PromptTemplate FromChatTemplate(ChatTemplatePrompt chat) => new(PromptFormat.ChatTemplate, chat.EndOfTurnToken, chat);

    /// <summary>The template a <c>prompt_format.json</c> records (a family format, or the chat template it carries).</summary>
    public static PromptTemplate FromRecord(PromptFormatRecord record, IEnumerable<string> specialTokens)
    {
        if (record.Format != PromptFormat.ChatTemplate) return Create(record.Format, specialTokens.ToHashSet());
        if (record.ChatTemplate is null)
            throw new ChatTemplateException($"{ArtifactNames.PromptFormat}: format chat_template without its chat_template text; run Prepare again");
        return FromChatTemplate(new ChatTemplatePrompt(new ModelChatTemplate(record.ChatTemplate, $"{ArtifactNames.PromptFormat} ({record.ChatTemplateFile})"),
            record.BosToken, record.EosToken, specialTokens, record.EndOfTurnToken));
    }

    /// <summary>The concrete format (never <see cref="PromptFormat.Auto"/>).</summary>
    public PromptFormat Format { get; }

    /// <summary>The special token that ends an answer, or null to use the tokenizer's eos.</summary>
    public string? EndOfTurnToken { get; }

    /// <summary>The instruction given to the model (system prompt).</summary>
    public static string Instruction(string refusal) =>
        "Answer the question using only the context. Answer briefly, with the exact words of the context. " +
        $"If the context does not contain the answer, reply exactly: {refusal}";

    /// <summary>Creates the template for a format; <see cref="PromptFormat.Auto"/> picks from the tokenizer's special tokens.</summary>
    public static PromptTemplate Create(PromptFormat format, IReadOnlySet<string> specialTokens)
    {
        if (format == PromptFormat.ChatTemplate)
            throw new ArgumentException("the chat_template format needs the model's template: use FromChatTemplate or FromRecord", nameof(format));
        if (format == PromptFormat.Auto)
        {
            format = specialTokens.Contains("<|start_header_id|>") && specialTokens.Contains("<|eot_id|>") ? PromptFormat.Llama3
                : specialTokens.Contains("<|im_start|>") && specialTokens.Contains("<|im_end|>") ? PromptFormat.Chatml
                : PromptFormat.Plain;
        }
        return format switch
        {
            PromptFormat.Llama3 => new PromptTemplate(format, "<|eot_id|>"),
            PromptFormat.Chatml => new PromptTemplate(format, "<|im_end|>"),
            _ => new PromptTemplate(format, null),
        };
    }

    /// <summary>The user turn: numbered context passages, then the question.</summary>
    public static string UserMessage(string question, IReadOnlyList<string> passages)
    {
        var context = string.Join("\n\n", passages.Select((p, i) => $"[{i + 1}] {p}"));
        return $"Context:\n{context}\n\nQuestion: {question}";
    }

    /// <summary>The full prompt text up to where the answer starts.</summary>
    public string RenderPrompt(string instruction, string question, IReadOnlyList<string> passages)
    {
        if (_chat is not null) return _chat.RenderPrompt(instruction, question, passages);
        var user = UserMessage(question, passages);
        return Format switch
        {
            PromptFormat.Plain => $"{instruction}\n\n{user}\n\nAnswer:",
            PromptFormat.Llama2 => $"[INST] <<SYS>>\n{instruction}\n<</SYS>>\n\n{user} [/INST]",
            PromptFormat.Mistral => $"[INST] {instruction}\n\n{user} [/INST]",
            PromptFormat.Llama3 =>
                $"<|start_header_id|>system<|end_header_id|>\n\n{instruction}<|eot_id|>" +
                $"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>" +
                "<|start_header_id|>assistant<|end_header_id|>\n\n",
            PromptFormat.Chatml =>
                $"<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n",
            _ => throw new ArgumentOutOfRangeException(nameof(Format), Format, null),
        };
    }

    /// <summary>The answer text of one example as it follows its prompt (for a chat template, from rendering that conversation).</summary>
    public string RenderAnswer(string answer, string instruction, string question, IReadOnlyList<string> passages) =>
        _chat is not null ? _chat.RenderAnswer(instruction, question, passages, answer) : RenderAnswer(answer);

    /// <summary>The answer text as it follows the prompt (a leading space where the format puts one).</summary>
    public string RenderAnswer(string answer) => _chat is not null ? _chat.RenderAnswer(answer) : Format switch
    {
        PromptFormat.Plain or PromptFormat.Llama2 or PromptFormat.Mistral => " " + answer,
        _ => answer,
    };
}
