using System.Text.Json.Nodes;
using LoraPipeline.ChatTemplates;

namespace LoraPipeline.Data;

/// <summary>
/// RAG examples rendered by a model's own Jinja <c>chat_template</c> (<c>model.prompt_format: auto</c> on a model that ships one,
/// or <c>chat_template</c>). Messages: <c>system</c> = the instruction, <c>user</c> = the numbered context passages then the question
/// (<see cref="PromptTemplate.UserMessage"/>, the same text the family formats put in their user turn, so the context stays
/// beside the question it was retrieved for), <c>assistant</c> = the answer. The prompt is the rendering with
/// <c>add_generation_prompt=true</c>; the answer is what the full conversation adds to it, up to and including the first special
/// token after the answer (the end-of-turn token, which is learned and stops generation); text after that token (a newline
/// before the next turn) is not trained on. A template whose prompt is not a prefix of its conversation, or that drops the
/// answer, is refused with one line naming its file.
/// </summary>
internal sealed class ChatTemplatePrompt
{
    private const string ProbeAnswer = "LoraPipeline probe answer 7f3a";
    private readonly JinjaEngine _engine;
    private readonly string? _bosToken;
    private readonly string? _eosToken;

    /// <summary>Parses the template and finds its answer layout and end-of-turn token from a probe conversation.</summary>
    /// <param name="template">The model's template.</param>
    /// <param name="bosToken">The tokenizer's BOS text (the template's <c>bos_token</c>), or null.</param>
    /// <param name="eosToken">The tokenizer's EOS text (<c>eos_token</c>), or null.</param>
    /// <param name="specialTokens">The tokenizer's special token texts; the first of them after the answer ends it.</param>
    /// <param name="endOfTurnToken">The end-of-turn token already known (from <c>prompt_format.json</c>): skips the search.</param>
    public ChatTemplatePrompt(ModelChatTemplate template, string? bosToken, string? eosToken, IEnumerable<string> specialTokens, string? endOfTurnToken = null)
    {
        Template = template;
        _engine = new JinjaEngine(template.Template, template.SourceFile);
        (_bosToken, _eosToken) = (bosToken, eosToken);
        var (before, after) = Split(RenderPrompt("Probe instruction.", "Probe question?", ["Probe passage."]),
            RenderConversation("Probe instruction.", "Probe question?", ["Probe passage."], ProbeAnswer), ProbeAnswer, "a probe conversation");
        AnswerPrefix = before;
        EndOfTurnToken = endOfTurnToken ?? specialTokens
            .Select(token => (Token: token, At: token.Length == 0 ? -1 : after.IndexOf(token, StringComparison.Ordinal)))
            .Where(t => t.At >= 0).OrderBy(t => t.At).ThenByDescending(t => t.Token.Length).Select(t => t.Token).FirstOrDefault();
        var end = EndOfTurnToken is null ? -1 : after.IndexOf(EndOfTurnToken, StringComparison.Ordinal);
        AnswerSuffix = end < 0 ? after : after[..end];
    }

    /// <summary>The template and its file.</summary>
    public ModelChatTemplate Template { get; }

    /// <summary>The special token that closes the assistant turn, or null when the template closes it with none (eos is then appended).</summary>
    public string? EndOfTurnToken { get; }

    /// <summary>Text the template puts before the answer (after the generation prompt), usually empty.</summary>
    public string AnswerPrefix { get; }

    /// <summary>Text between the answer and the end-of-turn token, usually empty.</summary>
    public string AnswerSuffix { get; }

    /// <summary>The prompt: system, user and the generation prompt (<c>add_generation_prompt=true</c>), BOS included where the template writes it.</summary>
    public string RenderPrompt(string instruction, string question, IReadOnlyList<string> passages) =>
        Render(Messages(instruction, question, passages, null), generation: true);

    /// <summary>The whole conversation with the answer (<c>add_generation_prompt=false</c>).</summary>
    public string RenderConversation(string instruction, string question, IReadOnlyList<string> passages, string answer) =>
        Render(Messages(instruction, question, passages, answer), generation: false);

    /// <summary>The answer as this example's conversation renders it after the prompt, without the end-of-turn token.</summary>
    public string RenderAnswer(string instruction, string question, IReadOnlyList<string> passages, string answer)
    {
        var (before, after) = Split(RenderPrompt(instruction, question, passages), RenderConversation(instruction, question, passages, answer), answer, $"the answer \"{Shorten(answer)}\"");
        var end = EndOfTurnToken is null ? -1 : after.IndexOf(EndOfTurnToken, StringComparison.Ordinal);
        return before + answer + (end < 0 ? after : after[..end]);
    }

    /// <summary>The answer laid out as the probe conversation showed (for audits and exports that have no conversation at hand).</summary>
    public string RenderAnswer(string answer) => AnswerPrefix + answer + AnswerSuffix;

    // The conversation's text after the prompt, split around the answer; one clear error when the prompt is not a prefix.
    private (string Before, string After) Split(string prompt, string conversation, string answer, string what)
    {
        if (!conversation.StartsWith(prompt, StringComparison.Ordinal))
            throw new ChatTemplateException(
                $"{Template.SourceFile}: the chat template's prompt (add_generation_prompt=true) is not the start of the conversation with the answer, for {what} " +
                $"(prompt ends \"{Tail(prompt)}\", conversation has \"{Tail(conversation[..Math.Min(conversation.Length, prompt.Length)])}\" there), so answer-only labels cannot be found; " +
                "set model.prompt_format to a family format (plain, llama2, llama3, mistral, chatml)");
        var tail = conversation[prompt.Length..];
        var at = tail.IndexOf(answer, StringComparison.Ordinal);
        if (at < 0)
            throw new ChatTemplateException(
                $"{Template.SourceFile}: the chat template does not render {what} verbatim after the prompt (it renders \"{Shorten(tail)}\"); " +
                "answers with leading or trailing whitespace are trimmed by some templates: clean the dataset's answers, or set model.prompt_format to a family format");
        return (tail[..at], tail[(at + answer.Length)..]);
    }

    private JsonArray Messages(string instruction, string question, IReadOnlyList<string> passages, string? answer)
    {
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = instruction },
            new JsonObject { ["role"] = "user", ["content"] = PromptTemplate.UserMessage(question, passages) },
        };
        if (answer is not null) messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        return messages;
    }

    // The variables transformers' apply_chat_template passes (special tokens only when the tokenizer has them).
    private string Render(JsonArray messages, bool generation)
    {
        var context = new JsonObject { ["messages"] = messages, ["add_generation_prompt"] = generation };
        if (_bosToken is not null) context["bos_token"] = _bosToken;
        if (_eosToken is not null) context["eos_token"] = _eosToken;
        return _engine.Render(context);
    }

    private static string Tail(string text) => Escape(text.Length <= 40 ? text : text[^40..]);

    private static string Shorten(string text) => Escape(text.Length <= 60 ? text : text[..60] + "...");

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);
}
