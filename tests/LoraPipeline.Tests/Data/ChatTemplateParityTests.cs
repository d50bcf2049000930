using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Hub;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Tests.Data;

/// <summary>
/// The adapter's <c>chat_template</c>, rendered by an independent Jinja engine (the npm package
/// <c>@huggingface/jinja</c> under Node, installed by <c>npm ci</c> in tests/LoraPipeline.Tests/jinja-oracle),
/// tokenizes to exactly the ids that training (ExampleEncoder.Encode) and Evaluate (EncodePrompt) use.
/// </summary>
[NonParallelizable]
public class ChatTemplateParityTests
{
    private const string Refusal = "The context does not say.";
    private static string? _tinyModel;

    [OneTimeSetUp]
    public void InstallOracle()
    {
        JinjaOracle.Require();
        var temp = Path.Combine(Path.GetTempPath(), $"lora-jinja-tiny-{Environment.ProcessId}");
        BuiltinTinyLlama.Write(temp);
        _tinyModel = temp;
    }

    [OneTimeTearDown]
    public void RemoveTinyModel()
    {
        if (_tinyModel is not null && Directory.Exists(_tinyModel)) Directory.Delete(_tinyModel, recursive: true);
    }

    /// <summary>Every training format with the real tokenizers it pairs with (chat formats need their special tokens).</summary>
    public static IEnumerable<TestCaseData> Pairs()
    {
        foreach (var format in new[] { PromptFormat.Plain, PromptFormat.Llama2, PromptFormat.Mistral })
        {
            yield return new TestCaseData("builtin:tiny-llama", format.ToString());
            yield return new TestCaseData("sentencepiece-bpe", format.ToString());
            yield return new TestCaseData("sentencepiece-model", format.ToString());
        }
        yield return new TestCaseData("byte-level-bpe-gpt2", nameof(PromptFormat.Plain));
        yield return new TestCaseData("byte-level-bpe-llama3", nameof(PromptFormat.Llama3));
        yield return new TestCaseData("byte-level-bpe-llama3", nameof(PromptFormat.Plain));
        yield return new TestCaseData("byte-level-bpe-qwen2", nameof(PromptFormat.Chatml));
        yield return new TestCaseData("byte-level-bpe-qwen2", nameof(PromptFormat.Plain));
    }

    [TestCaseSource(nameof(Pairs))]
    public void RenderedTemplateTokenizesToTheTrainingIds(string tokenizerName, string formatName)
    {
        var format = Enum.Parse<PromptFormat>(formatName);
        var tokenizer = ModelTokenizer.Load(tokenizerName == "builtin:tiny-llama" ? _tinyModel!
            : RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "tokenizers", tokenizerName));
        var template = PromptTemplate.Create(format, tokenizer.SpecialTokens.Keys.ToHashSet());
        var instruction = PromptTemplate.Instruction(Refusal);
        var encoder = new ExampleEncoder(tokenizer, template, instruction, maxLength: 4096);
        var record = new PromptFormatRecord(template.Format, instruction, Refusal, template.EndOfTurnToken, encoder.EndId,
            encoder.EncodePrompt("", []).FirstOrDefault() is var first && first == tokenizer.BosId ? tokenizer.BosId : null);
        var jinja = ChatTemplateWriter.Render(record);

        string[] passages = ["Laptops are replaced every 4 years.", "Phones are \"replaced\" when they break; monitors last 7 years."];
        var cases = new (string Name, RagExample Example)[]
        {
            ("answer with passages", Example("every 4 years", passages)),
            ("answer without passages", Example("every 4 years")),
            ("refusal", Example(Refusal, "Monitors last 7 years.")),
        };
        var jobs = new JsonArray();
        foreach (var (_, example) in cases)
        {
            // Each example three ways: documents as strings, as {"text": ...} objects, and a user message already laid out.
            JsonArray Strings() => [.. example.Passages.Select(p => (JsonNode)p)];
            JsonArray Objects() => [.. example.Passages.Select(p => (JsonNode)new JsonObject { ["title"] = "doc", ["text"] = p })];
            var laidOut = PromptTemplate.UserMessage(example.Question, example.Passages);
            foreach (var (user, documents, system) in new (string, JsonArray?, bool)[]
                     { (example.Question, Strings(), false), (example.Question, Objects(), true), (laidOut, null, false) })
            {
                jobs.Add(Job(jinja, tokenizer, Messages(system ? instruction : null, user, null), documents, generation: true));
                jobs.Add(Job(jinja, tokenizer, Messages(system ? instruction : null, user, example.Answer), documents?.DeepClone(), generation: false));
            }
        }
        var rendered = Render(jobs);

        var index = 0;
        foreach (var (name, example) in cases)
        {
            var encoded = encoder.Encode(example).Encoded!;
            Assert.That(encoded.InputIds.Take(encoded.LabelStart), Is.EqualTo(encoder.EncodePrompt(example.Question, example.Passages)), "encoder self-check");
            foreach (var way in new[] { "documents as strings", "documents as objects + explicit system", "user message laid out" })
            {
                var prompt = rendered[index++];
                var full = rendered[index++];
                Assert.That(tokenizer.Encode(prompt, addSpecialTokens: false), Is.EqualTo(encoder.EncodePrompt(example.Question, example.Passages)),
                    $"{format} on {tokenizerName}, {name}, {way}: prompt (add_generation_prompt=true) rendered as:\n{prompt}");
                Assert.That(tokenizer.Encode(full, addSpecialTokens: false), Is.EqualTo(encoded.InputIds),
                    $"{format} on {tokenizerName}, {name}, {way}: prompt+answer rendered as:\n{full}\ntail ids: training " +
                    string.Join(" | ", encoded.InputIds.Skip(encoded.LabelStart - 2).Take(6).Select(i => $"{i}:{tokenizer.Decode([i], skipSpecialTokens: false)}")) + "; template " +
                    string.Join(" | ", tokenizer.Encode(full, addSpecialTokens: false).Skip(encoded.LabelStart - 2).Take(6).Select(i => $"{i}:{tokenizer.Decode([i], skipSpecialTokens: false)}")));
            }
        }
    }

    [Test]
    public void WriteSetsTheTemplateInTokenizerConfigAndKeepsItsOtherKeys()
    {
        using var temp = new TempDirectory("chat-template");
        File.WriteAllText(temp.Combine("tokenizer_config.json"), """{"bos_token": "<s>", "eos_token": "</s>", "chat_template": "{{ base }}"}""");
        var record = new PromptFormatRecord(PromptFormat.Mistral, PromptTemplate.Instruction(Refusal), Refusal, null, 2, 1);
        ChatTemplateWriter.Write(temp.Path, record);
        var config = JsonNode.Parse(File.ReadAllText(temp.Combine("tokenizer_config.json")))!.AsObject();
        Assert.That(config["eos_token"]!.GetValue<string>(), Is.EqualTo("</s>"));
        Assert.That(config["chat_template"]!.GetValue<string>(), Is.EqualTo(File.ReadAllText(temp.Combine(ChatTemplateWriter.TemplateFile))));
        Assert.That(config["chat_template"]!.GetValue<string>(), Does.Contain("[INST]").And.Contain(Refusal), "the base model's template is replaced by the training format");
    }

    private static RagExample Example(string answer, params string[] passages) =>
        new("q1", "g1", Split.Test, "How often are laptops replaced?", answer, passages,
            passages.Select((_, i) => $"doc#{i}").ToList(), answer != Refusal, false, new HashSet<string> { "doc#0" });

    private static JsonArray Messages(string? system, string user, string? answer)
    {
        var messages = new JsonArray();
        if (system is not null) messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = user });
        if (answer is not null) messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        return messages;
    }

    // The variables transformers' apply_chat_template passes: messages, add_generation_prompt, the special tokens, documents.
    private static JsonObject Job(string template, ModelTokenizer tokenizer, JsonArray messages, JsonNode? documents, bool generation)
    {
        var context = new JsonObject
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = generation,
            ["bos_token"] = TokenText(tokenizer, tokenizer.BosId),
            ["eos_token"] = TokenText(tokenizer, tokenizer.EosId),
        };
        if (documents is not null) context["documents"] = documents;
        return new JsonObject { ["template"] = template, ["context"] = context };
    }

    private static string TokenText(ModelTokenizer tokenizer, int? id) =>
        id is { } value ? tokenizer.SpecialTokens.First(p => p.Value == value).Key : "";

    private static List<string> Render(JsonArray jobs) => JinjaOracle.Render(jobs);
}
