using System.Text.Json;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>
/// Issue 16 point 1 through the stages: a base model that ships a <c>chat_template.jinja</c> (the built-in tiny Llama as a local
/// folder, given a template in the style of the Hub's: bos, roles, filters, an answer prefix, eos to end the turn) is prepared,
/// trained and evaluated on prompts its own template rendered; each stage says so, report.json names the template's file, the
/// adapter ships the same template, and <c>lora generate --question</c> renders it from the adapter's prompt_format.json.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class ChatTemplateEndToEndTests
{
    private const string Template =
        "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'assistant' %}{{ 'Assistant: ' + m['content'] + eos_token }}" +
        "{% else %}{{ m['role'] | capitalize }}{{ ': ' + m['content'] | trim + '\\n' }}{% endif %}{% endfor %}" +
        "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    private static readonly string[] Short =
    [
        "--set", "train.max_steps=2", "--set", "train.val_check_interval=2", "--set", "train.global_batch_size=2",
        "--set", "train.micro_batch_size=2", "--set", "eval.max_examples=2", "--set", "eval.max_new_tokens=4",
        "--set", "eval.max_eval_loss=1000",
    ];

    [Test]
    public void AutoTrainsAndEvaluatesOnTheBaseModelsOwnTemplate_AndSaysSo()
    {
        using var temp = new TempDirectory("chat-template-e2e");
        var model = temp.Combine("tiny-instruct");
        LoraPipeline.Hub.BuiltinTinyLlama.Write(model);
        File.WriteAllText(Path.Combine(model, "chat_template.jinja"), Template);
        var artifacts = temp.Combine("a");
        var outputs = new Dictionary<string, string>();
        foreach (var stage in new[] { "download", "convert", "prepare", "train", "evaluate" })
        {
            var result = LoraProcess.Run(RepositoryPaths.Root, null,
                [stage, "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", artifacts, "--set", $"model.source={model}", .. Short]);
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{stage}: {result.Output}");
            outputs[stage] = result.Output;
        }

        Assert.That(outputs["prepare"], Does.Contain("prepare: prompt format chat_template: the base model's own, from ")
            .And.Contain("chat_template.jinja (rendered by @huggingface/jinja)").And.Contain("assistant = answer ending <|endoftext|>"));
        using (var format = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "prepare", ArtifactNames.PromptFormat))))
        {
            Assert.That(format.RootElement.GetProperty("format").GetString(), Is.EqualTo("chat_template"));
            Assert.That(format.RootElement.GetProperty("chat_template").GetString(), Is.EqualTo(Template));
            Assert.That(format.RootElement.GetProperty("chat_template_file").GetString(), Is.EqualTo("chat_template.jinja"));
        }
        var firstTest = File.ReadLines(Path.Combine(artifacts, "prepare", "test.jsonl")).First();
        using (var record = JsonDocument.Parse(firstTest))
            Assert.That(record.RootElement.GetProperty("input").GetString(), Does.StartWith("<|endoftext|>System: Answer the question using only the context.")
                .And.Contain("\nUser: Context:\n[1] ").And.EndWith("Assistant:"), "the split's input is the template's rendering");

        var adapter = Path.Combine(artifacts, "train", ArtifactNames.AdapterFolder);
        Assert.That(File.ReadAllText(Path.Combine(adapter, "chat_template.jinja")), Is.EqualTo(Template), "the adapter serves with the template it was trained on");

        Assert.That(outputs["evaluate"], Does.Contain("evaluate: prompt format chat_template (the base model's, from chat_template.jinja)"));
        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "evaluate", ArtifactNames.Report))))
        {
            Assert.That(report.RootElement.GetProperty("prompt_format").GetString(), Is.EqualTo("chat_template"));
            Assert.That(report.RootElement.GetProperty("chat_template_file").GetString(), Is.EqualTo("chat_template.jinja"));
        }

        var generate = LoraProcess.Run(RepositoryPaths.Root, null, ["generate", "--model", Path.Combine(artifacts, "convert"), "--adapter", adapter,
            "--question", "How often are laptops replaced?", "--context", "Laptops are replaced every 4 years.", "--max-new-tokens", "3", "--json"]);
        Assert.That(generate.ExitCode, Is.EqualTo(0), generate.Output);
        using var generated = JsonDocument.Parse(generate.StdOut.Trim().Split('\n')[^1]);
        Assert.That(generated.RootElement.GetProperty("ids").GetArrayLength(), Is.GreaterThan(0));
    }
}
