using System.Text;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Data;

/// <summary>
/// Writes the training prompt format as a Hugging Face Jinja <c>chat_template</c> (into the adapter's
/// <c>tokenizer_config.json</c> and <c>chat_template.jinja</c>), so <c>apply_chat_template</c> in
/// transformers, vLLM or transformers.js renders exactly the text the adapter was trained and evaluated on.
/// <para>Messages map as in training: an optional leading <c>system</c> message replaces the training
/// instruction (which is the default); <c>user</c> content is the question, laid out with the numbered
/// context passages of the <c>documents</c> argument (strings or <c>{"text": ...}</c>) when it is given,
/// else used as it stands; <c>assistant</c> content is the answer, closed by the format's end-of-turn token.
/// BOS is written by the template (as transformers' own templates do) exactly when the tokenizer adds one,
/// so the text must be tokenized without special tokens.</para>
/// </summary>
internal static class ChatTemplateWriter
{
    /// <summary>File name of the stand-alone template (transformers 4.43+ reads it beside tokenizer_config.json).</summary>
    public const string TemplateFile = "chat_template.jinja";

    /// <summary>Writes <c>chat_template.jinja</c> and sets <c>chat_template</c> in <c>tokenizer_config.json</c>
    /// (created when the folder has none) in <paramref name="directory"/>.</summary>
    public static void Write(string directory, PromptFormatRecord format)
    {
        var template = Render(format);
        AtomicFile.WriteAllText(Path.Combine(directory, TemplateFile), template);
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var config = File.Exists(configPath)
            ? JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject
              ?? throw new StageException($"{configPath}: expected a JSON object; copy the base model's tokenizer_config.json again")
            : [];
        config["chat_template"] = template;
        AtomicFile.WriteAllText(configPath, config.ToJsonString(ConfigJson.Options) + "\n");
    }

    /// <summary>The Jinja template of a prompt format record.</summary>
    public static string Render(PromptFormatRecord format)
    {
        // Trained on the base model's own template: that template, verbatim, is what serves the adapter as it was trained.
        if (format.Format == PromptFormat.ChatTemplate)
            return format.ChatTemplate ?? throw new StageException($"{ArtifactNames.PromptFormat}: format chat_template without its chat_template text; run Prepare again");
        var bos = format.BosId is null ? "" : "{{- bos_token -}}";
        // Training ends an answer with the end-of-turn token, or with the tokenizer's eos when the format has none.
        var end = format.EndOfTurnToken is { } token ? Literal(token) : "eos_token";
        var (system, user, assistant, generation) = format.Format switch
        {
            PromptFormat.Plain => (
                "{{- system + '\\n\\n' -}}",
                "{%- if not loop.first %}{{- '\\n\\n' -}}{% endif -%}{{- text + '\\n\\nAnswer:' -}}",
                $"{{{{- ' ' + message['content'] + {end} -}}}}",
                ""),
            PromptFormat.Llama2 => (
                "",
                $"{{%- if loop.first %}}{{{{- '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + text + ' [/INST]' -}}}}{{%- else %}}{bos}{{{{- '[INST] ' + text + ' [/INST]' -}}}}{{%- endif -%}}",
                $"{{{{- ' ' + message['content'] + {end} -}}}}",
                ""),
            PromptFormat.Mistral => (
                "",
                $"{{%- if loop.first %}}{{{{- '[INST] ' + system + '\\n\\n' + text + ' [/INST]' -}}}}{{%- else %}}{bos}{{{{- '[INST] ' + text + ' [/INST]' -}}}}{{%- endif -%}}",
                $"{{{{- ' ' + message['content'] + {end} -}}}}",
                ""),
            PromptFormat.Llama3 => (
                "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + system + '<|eot_id|>' -}}",
                "{{- '<|start_header_id|>user<|end_header_id|>\\n\\n' + text + '<|eot_id|>' -}}",
                $"{{{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' + message['content'] + {end} -}}}}",
                "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}"),
            // Turns are joined by a newline rather than each followed by one: training puts nothing after the answer's <|im_end|>.
            PromptFormat.Chatml => (
                "{{- '<|im_start|>system\\n' + system + '<|im_end|>' -}}",
                "{{- '\\n<|im_start|>user\\n' + text + '<|im_end|>' -}}",
                $"{{{{- '\\n<|im_start|>assistant\\n' + message['content'] + {end} -}}}}",
                "{{- '\\n<|im_start|>assistant\\n' -}}"),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format.Format, "a prompt format record is never auto"),
        };

        var sb = new StringBuilder();
        sb.Append("{#- LoraPipeline ").Append(format.FormatName)
          .Append(" prompt format: the text this adapter was trained and evaluated on. -#}\n");
        sb.Append("{%- if messages and messages[0]['role'] == 'system' -%}\n")
          .Append("{%- set system = messages[0]['content'] -%}{%- set turns = messages[1:] -%}\n")
          .Append("{%- else -%}\n")
          .Append("{%- set system = ").Append(Literal(format.Instruction)).Append(" -%}{%- set turns = messages -%}\n")
          .Append("{%- endif -%}\n");
        // The documents belong to the last user turn (the question they were retrieved for).
        sb.Append("{%- set ns = namespace(last_user=-1) -%}\n")
          .Append("{%- for message in turns -%}{%- if message['role'] == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}{%- endfor -%}\n");
        sb.Append(bos).Append(system).Append('\n');
        sb.Append("{%- for message in turns -%}\n")
          .Append("{%- if message['role'] == 'user' -%}\n")
          .Append("{%- if documents is defined and documents is not none and loop.index0 == ns.last_user -%}\n")
          .Append("{%- set ctx = namespace(text='') -%}\n")
          .Append("{%- for doc in documents -%}")
          .Append("{%- set ctx.text = ctx.text + ('' if loop.first else '\\n\\n') + '[' + (loop.index | string) + '] ' + (doc if doc is string else doc['text']) -%}")
          .Append("{%- endfor -%}\n")
          .Append("{%- set text = 'Context:\\n' + ctx.text + '\\n\\nQuestion: ' + message['content'] -%}\n")
          .Append("{%- else -%}{%- set text = message['content'] -%}{%- endif -%}\n")
          .Append(user).Append('\n')
          .Append("{%- elif message['role'] == 'assistant' -%}\n")
          .Append(assistant).Append('\n')
          .Append("{%- else -%}{{- raise_exception('the ' + message['role'] + ' role is not part of this adapter\\'s prompt format (system first, then user/assistant)') -}}\n")
          .Append("{%- endif -%}\n")
          .Append("{%- endfor -%}\n");
        if (generation.Length > 0) sb.Append("{%- if add_generation_prompt -%}").Append(generation).Append("{%- endif -%}\n");
        return sb.ToString();
    }

    // A Jinja string literal (single-quoted; backslash, quote and control characters escaped).
    private static string Literal(string text)
    {
        var sb = new StringBuilder("'");
        foreach (var c in text)
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        return sb.Append('\'').ToString();
    }
}
