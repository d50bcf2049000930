using System.Text.Json.Nodes;
using LoraPipeline.ChatTemplates;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tests.Tokenization;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Tests.Data;

/// <summary>
/// Issue 16 point 1: <c>model.prompt_format: auto</c> on a model that ships a <c>chat_template</c> renders that template in-process
/// (Jint running @huggingface/jinja). Real instruct templates (Fixtures/chat-templates) on real tokenizers: the in-process text equals
/// the Node oracle's, the oracle's text tokenizes (ours and Hugging Face's Rust tokenizers) to exactly the ids training and Evaluate
/// use, the answer-only mask starts where the add_generation_prompt=true rendering ends, and a template that refuses our messages is
/// one clear error naming its file and the key to set.
/// </summary>
[NonParallelizable]
public sealed class ModelChatTemplateTests
{
    private const string Refusal = "The context does not say.";
    private static readonly string Instruction = PromptTemplate.Instruction(Refusal);
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("model-chat-template");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static string Fixture(string name) => RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "chat-templates", name);

    // A model folder: a tokenizer fixture, its tokenizer_config.json given the template fixture's chat_template.
    private string ModelFolder(string tokenizerName, string? templateFixture)
    {
        var folder = _temp.Combine(tokenizerName + "-" + (templateFixture ?? "none"));
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TokenizerFixtures.Folder(tokenizerName)))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        if (templateFixture is not null)
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")))!.AsObject();
            config["chat_template"] = JsonNode.Parse(File.ReadAllText(Fixture(templateFixture)))!["chat_template"]!.GetValue<string>();
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString());
        }
        return folder;
    }

    private static RagExample Example(string answer, params string[] passages) =>
        new("q1", "g1", Split.Test, "How often are laptops replaced?", answer, passages,
            passages.Select((_, i) => $"doc#{i}").ToList(), answer != Refusal, false, new HashSet<string> { "doc#0" });

    private static readonly (string Name, RagExample Example)[] Cases =
    [
        ("answer with passages", Example("every 4 years", "Laptops are replaced every 4 years.", "Phones are \"replaced\" when they break; monitors last 7 years.")),
        ("answer without passages", Example("every 4 years")),
        ("refusal", Example(Refusal, "Monitors last 7 years.")),
    ];

    // The job the oracle renders: the messages and variables ChatTemplatePrompt documents (system, user, assistant; bos/eos texts).
    private static JsonObject Job(string template, RagExample example, string? answer, string? bos, string? eos)
    {
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = Instruction },
            new JsonObject { ["role"] = "user", ["content"] = PromptTemplate.UserMessage(example.Question, example.Passages) },
        };
        if (answer is not null) messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        var context = new JsonObject { ["messages"] = messages, ["add_generation_prompt"] = answer is null };
        if (bos is not null) context["bos_token"] = bos;
        if (eos is not null) context["eos_token"] = eos;
        return new JsonObject { ["template"] = template, ["context"] = context };
    }

    [TestCase("llama3-instruct.json", "byte-level-bpe-llama3", "<|eot_id|>")]
    [TestCase("qwen2-instruct.json", "byte-level-bpe-qwen2", "<|im_end|>")]
    [TestCase("llama2-chat.json", "sentencepiece-bpe", "</s>")]
    public void AutoRendersTheModelsTemplate_AsTheOracleDoes_AndTrainsOnExactlyItsTokens(string templateFixture, string tokenizerName, string endToken)
    {
        JinjaOracle.Require();
        var folder = ModelFolder(tokenizerName, templateFixture);
        var tokenizer = ModelTokenizer.Load(folder);
        var (template, bos, eos) = PromptFormatChoice.Choose(PromptFormat.Auto, folder, tokenizer);
        Assert.That(template.Format, Is.EqualTo(PromptFormat.ChatTemplate), "auto picks the model's own template");
        Assert.That(template.ChatTemplate!.Template.SourceFile, Is.EqualTo(Path.Combine(folder, "tokenizer_config.json")));
        Assert.That(template.EndOfTurnToken, Is.EqualTo(endToken));
        var encoder = new ExampleEncoder(tokenizer, template, Instruction, maxLength: 4096);
        Assert.That(encoder.EndId, Is.EqualTo(tokenizer.SpecialTokens[endToken]));
        var text = template.ChatTemplate.Template.Template;

        var jobs = new JsonArray();
        foreach (var (_, example) in Cases)
        {
            jobs.Add(Job(text, example, null, bos, eos));
            jobs.Add(Job(text, example, example.Answer, bos, eos));
        }
        var rendered = JinjaOracle.Render(jobs);
        var hf = File.Exists(Path.Combine(folder, "tokenizer.json")) ? new TokenizerFixtures.Oracle(Path.Combine(folder, "tokenizer.json")) : null;
        var postProcessorPrefix = tokenizer.Encode("", addSpecialTokens: true).Where(id => id != tokenizer.EosId || id == tokenizer.BosId).ToList();

        for (var i = 0; i < Cases.Length; i++)
        {
            var (name, example) = Cases[i];
            var (prompt, conversation) = (rendered[2 * i], rendered[2 * i + 1]);
            var what = $"{templateFixture} on {tokenizerName}, {name}";
            Assert.That(encoder.RenderPrompt(example.Question, example.Passages), Is.EqualTo(prompt), $"{what}: in-process Jinja = Node oracle");
            var encoded = encoder.Encode(example).Encoded!;
            var promptIds = tokenizer.Encode(prompt, addSpecialTokens: false);
            Assert.That(encoded.InputIds.Take(encoded.LabelStart), Is.EqualTo(promptIds), $"{what}: the training prompt is the oracle's add_generation_prompt=true text");
            Assert.That(encoder.EncodePrompt(example.Question, example.Passages), Is.EqualTo(promptIds), $"{what}: Evaluate/generate prompt");
            Assert.That(tokenizer.Encode(encoder.SplitInput(example.Question, example.Passages), addSpecialTokens: true), Is.EqualTo(promptIds),
                $"{what}: the split's input, tokenized with special tokens as NeMo and TRL do, is the training prompt (one BOS)");

            // Training ends at the end-of-turn token; whatever the template writes after it (a newline before the next turn) is not trained on.
            Assert.That(conversation, Does.StartWith(prompt), what);
            var end = conversation.IndexOf(endToken, prompt.Length, StringComparison.Ordinal) + endToken.Length;
            Assert.That(conversation[end..].Trim(), Is.Empty, $"{what}: only whitespace follows the end-of-turn token");
            var trained = tokenizer.Encode(conversation[..end], addSpecialTokens: false);
            Assert.That(encoded.InputIds, Is.EqualTo(trained), $"{what}: prompt+answer ids = the oracle's conversation tokenized\n{conversation}");
            Assert.That(encoded.InputIds[^1], Is.EqualTo(encoder.EndId), $"{what}: the last label is the end-of-turn token");
            Assert.That(tokenizer.Decode(encoded.InputIds.Skip(encoded.LabelStart), skipSpecialTokens: true).Trim(), Is.EqualTo(example.Answer),
                $"{what}: the labels are the answer");
            // Hugging Face's own tokenizer (its post-processor adds what ModelTokenizer adds with special tokens) agrees on the oracle's text.
            if (hf is not null)
                Assert.That(hf.Encode(conversation[..end]), Is.EqualTo(postProcessorPrefix.Concat(trained)), $"{what}: Hugging Face tokenizers on the oracle text");
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 30; i++) encoder.Encode(Cases[i % Cases.Length].Example);
        TestContext.Progress.WriteLine($"{templateFixture}: {watch.Elapsed.TotalMilliseconds / 30:0.0} ms per encoded example (renders included)");
    }

    // The model's template and our hand-written family format of the same family give the same prompt (an independent implementation).
    [TestCase("llama3-instruct.json", "byte-level-bpe-llama3", nameof(PromptFormat.Llama3), "<|begin_of_text|>")]
    [TestCase("qwen2-instruct.json", "byte-level-bpe-qwen2", nameof(PromptFormat.Chatml), "")]
    public void TheModelsTemplateAgreesWithTheFamilyFormat(string templateFixture, string tokenizerName, string familyName, string bosText)
    {
        var family = Enum.Parse<PromptFormat>(familyName);
        var folder = ModelFolder(tokenizerName, templateFixture);
        var tokenizer = ModelTokenizer.Load(folder);
        var chat = PromptFormatChoice.Choose(PromptFormat.Auto, folder, tokenizer).Template;
        var hand = PromptTemplate.Create(family, tokenizer.SpecialTokens.Keys.ToHashSet());
        foreach (var (name, example) in Cases)
        {
            Assert.That(chat.RenderPrompt(Instruction, example.Question, example.Passages),
                Is.EqualTo(bosText + hand.RenderPrompt(Instruction, example.Question, example.Passages)), name);
            Assert.That(chat.RenderAnswer(example.Answer, Instruction, example.Question, example.Passages), Is.EqualTo(hand.RenderAnswer(example.Answer)), name);
        }
        Assert.That(chat.EndOfTurnToken, Is.EqualTo(hand.EndOfTurnToken));
    }

    [Test]
    public void ATemplateThatRefusesASystemMessageIsOneErrorNamingTheFileAndTheKey_AsTheOracleRaises()
    {
        var folder = ModelFolder("sentencepiece-bpe", null);
        File.Copy(Fixture("mistral-instruct-v0.1.jinja"), Path.Combine(folder, "chat_template.jinja"));
        var tokenizer = ModelTokenizer.Load(folder);

        var e = Assert.Throws<StageException>(() => PromptFormatChoice.Choose(PromptFormat.Auto, folder, tokenizer))!;
        Assert.That(e.Message, Does.StartWith($"model.prompt_format auto: {Path.Combine(folder, "chat_template.jinja")}: the chat template raised: Conversation roles must alternate user/assistant/user/assistant/..."));
        Assert.That(e.Message, Does.Contain("set model.prompt_format to a family format").And.Not.Contain("\n").And.Not.Contain("   at "));

        var template = File.ReadAllText(Fixture("mistral-instruct-v0.1.jinja"));
        var (ok, _, error) = JinjaOracle.TryRender([Job(template, Cases[0].Example, null, "<s>", "</s>")]);
        Assert.That(ok, Is.False, "Node's @huggingface/jinja refuses the same messages");
        Assert.That(error, Does.Contain("Conversation roles must alternate"));
    }

    [Test]
    public void ChatTemplateNeedsOne_AutoWithoutOneFallsBackToTheFamilyFormat()
    {
        var folder = ModelFolder("byte-level-bpe-llama3", null);
        var tokenizer = ModelTokenizer.Load(folder);
        Assert.That(PromptFormatChoice.Choose(PromptFormat.Auto, folder, tokenizer).Template.Format, Is.EqualTo(PromptFormat.Llama3));
        var e = Assert.Throws<StageException>(() => PromptFormatChoice.Choose(PromptFormat.ChatTemplate, folder, tokenizer))!;
        Assert.That(e.Message, Does.StartWith("model.prompt_format is chat_template, but").And.Contain(folder).And.Contain("no chat_template"));
        Assert.That(PromptFormatChoice.Choose(PromptFormat.Chatml, ModelFolder("byte-level-bpe-qwen2", "qwen2-instruct.json"), ModelTokenizer.Load(ModelFolder("byte-level-bpe-qwen2", null))).Template.Format,
            Is.EqualTo(PromptFormat.Chatml), "a family format is used as configured, template or not");
    }

    [TestCase("chat_template.jinja")]
    [TestCase("chat_template.json")]
    [TestCase("named list")]
    public void TheTemplateIsFoundWhereTransformersKeepsIt(string where)
    {
        var folder = ModelFolder("byte-level-bpe-qwen2", null);
        var text = JsonNode.Parse(File.ReadAllText(Fixture("qwen2-instruct.json")))!["chat_template"]!.GetValue<string>();
        var file = where switch
        {
            "chat_template.jinja" => "chat_template.jinja",
            "chat_template.json" => "chat_template.json",
            _ => "tokenizer_config.json",
        };
        var path = Path.Combine(folder, file);
        if (where == "chat_template.jinja") File.WriteAllText(path, text);
        else if (where == "chat_template.json") File.WriteAllText(path, new JsonObject { ["chat_template"] = text }.ToJsonString());
        else
        {
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            config["chat_template"] = new JsonArray(new JsonObject { ["name"] = "tool_use", ["template"] = "{{ 'tools' }}" }, new JsonObject { ["name"] = "default", ["template"] = text });
            File.WriteAllText(path, config.ToJsonString());
        }
        Assert.That(ModelChatTemplate.Find(folder), Is.EqualTo(new ModelChatTemplate(text, path)));
    }

    // lora generate and a published adapter read the template from prompt_format.json: the same prompt, and the adapter's
    // chat_template is the base model's own, verbatim.
    [Test]
    public void TheRecordCarriesTheTemplateToGenerateAndTheAdapter()
    {
        var folder = ModelFolder("byte-level-bpe-llama3", "llama3-instruct.json");
        var tokenizer = ModelTokenizer.Load(folder);
        var (template, bos, eos) = PromptFormatChoice.Choose(PromptFormat.Auto, folder, tokenizer);
        var encoder = new ExampleEncoder(tokenizer, template, Instruction, 4096);
        var record = new PromptFormatRecord(template.Format, Instruction, Refusal, template.EndOfTurnToken, encoder.EndId, tokenizer.BosId,
            template.ChatTemplate!.Template.Template, "tokenizer_config.json", bos, eos);
        record.Write(_temp.Path);
        var read = PromptFormatRecord.Read(_temp.Path);
        Assert.That(read.Description, Is.EqualTo("chat_template (the base model's, from tokenizer_config.json)"));
        var again = new ExampleEncoder(tokenizer, PromptTemplate.FromRecord(read, tokenizer.SpecialTokens.Keys), read.Instruction, 4096);
        var example = Cases[0].Example;
        Assert.That(again.EncodePrompt(example.Question, example.Passages), Is.EqualTo(encoder.EncodePrompt(example.Question, example.Passages)));
        Assert.That(ChatTemplateWriter.Render(read), Is.EqualTo(template.ChatTemplate.Template.Template));
    }
}
