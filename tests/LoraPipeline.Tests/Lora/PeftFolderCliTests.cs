using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Hub;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Tests.Modeling;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Lora;

/// <summary>
/// A PEFT-shaped adapter folder (only <c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, as <c>peft</c>
/// saves it) drives <c>lora generate</c>, <c>logits</c> and <c>merge</c> on the built-in tiny model: the base model's
/// tokenizer is used, <c>--ids</c> needs none, and what cannot work is one line saying what to do.
/// </summary>
[NonParallelizable]
public class PeftFolderCliTests
{
    private const string Question = "What is the memory capacity of the ACME-X100?";
    private const string Passage = "The ACME-X100 has 1 GB of RAM.";

    private static (string Base, string Adapter, string Format) Setup(TempDirectory temp)
    {
        var baseDir = temp.Combine("base");
        BuiltinTinyLlama.Write(baseDir);
        using var model = LoadModel(baseDir);
        var adapter = LoraInjector.Apply(model, Options("q_proj", "v_proj", "down_proj"), seed: 5);
        RandomizeB(adapter, 6, std: 0.5);
        var adapterDir = temp.Combine("peft");
        PeftAdapter.Save(adapter, adapterDir, "org/base"); // no companion files: what peft's save_pretrained writes
        Assert.That(Directory.GetFiles(adapterDir).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "adapter_config.json", "adapter_model.safetensors" }));
        var tokenizer = ModelTokenizer.Load(baseDir);
        var formatDir = temp.Combine("format");
        Directory.CreateDirectory(formatDir);
        new PromptFormatRecord(PromptFormat.Plain, "Answer from the context.", "I don't know.", null, tokenizer.EosId!.Value, tokenizer.BosId).Write(formatDir);
        return (baseDir, adapterDir, Path.Combine(formatDir, "prompt_format.json"));
    }

    // Greedy continuation of the prompt by the base model with the adapter applied, in process.
    private static IReadOnlyList<int> Expected(string baseDir, string adapterDir, IReadOnlyList<int> prompt, int newTokens)
    {
        using var model = LoadModel(baseDir);
        PeftAdapter.Apply(model, adapterDir);
        return ModelRunner.Generate(model, prompt, new SamplingOptions { MaxNewTokens = newTokens, Greedy = true, EosTokenIds = model.Config.EosTokenIds.ToList() });
    }

    [Test]
    public void GenerateWithIdsAndWithAQuestionUsesTheBaseTokenizer()
    {
        using var temp = new TempDirectory();
        var (baseDir, adapterDir, format) = Setup(temp);

        var ids = LoraProcess.Run(temp.Path, null, "generate", "--model", baseDir, "--adapter", adapterDir,
            "--ids", string.Join(' ', Ids), "--max-new-tokens", "8", "--greedy");
        Assert.That(ids.ExitCode, Is.EqualTo(0), ids.Output);
        Assert.That(ids.StdOut.Trim().Split(' ').Select(int.Parse), Is.EqualTo(Expected(baseDir, adapterDir, Ids, 8)));

        var asked = LoraProcess.Run(temp.Path, null, "generate", "--model", baseDir, "--adapter", adapterDir, "--prompt-format", format,
            "--question", Question, "--context", Passage, "--max-new-tokens", "8", "--json");
        Assert.That(asked.ExitCode, Is.EqualTo(0), asked.Output);
        var tokenizer = ModelTokenizer.Load(baseDir);
        var prompt = new ExampleEncoder(tokenizer, PromptTemplate.Create(PromptFormat.Plain, tokenizer.SpecialTokens.Keys.ToHashSet()),
            "Answer from the context.", 2048).EncodePrompt(Question, [Passage]);
        using var json = JsonDocument.Parse(asked.StdOut);
        Assert.That(json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(Expected(baseDir, adapterDir, prompt, 8)));
        Assert.That(json.RootElement.GetProperty("text").ValueKind, Is.EqualTo(JsonValueKind.String));
    }

    [Test]
    public void LogitsAndMergeTakeAPeftFolder()
    {
        using var temp = new TempDirectory();
        var (baseDir, adapterDir, _) = Setup(temp);
        var logits = LoraProcess.Run(temp.Path, null, "logits", "--model", baseDir, "--adapter", adapterDir, "--ids", string.Join(' ', Ids), "--out", temp.Combine("l.json"));
        Assert.That(logits.ExitCode, Is.EqualTo(0), logits.Output);
        var merge = LoraProcess.Run(temp.Path, null, "merge", "--model", baseDir, "--adapter", adapterDir, "--out", temp.Combine("merged"));
        Assert.That(merge.ExitCode, Is.EqualTo(0), merge.Output);
        Assert.That(File.Exists(Path.Combine(temp.Combine("merged"), "tokenizer.json")), Is.True, "the merged model carries the base model's tokenizer");
    }

    [Test]
    public void WhatCannotWorkIsOneLine()
    {
        using var temp = new TempDirectory();
        var (baseDir, adapterDir, format) = Setup(temp);
        // No prompt_format.json in a PEFT folder: --question says how to give one.
        var noFormat = LoraProcess.Run(temp.Path, null, "generate", "--model", baseDir, "--adapter", adapterDir, "--question", Question);
        Assert.That(noFormat.ExitCode, Is.EqualTo(1), noFormat.Output);
        Assert.That(noFormat.StdErr, Does.Contain("prompt_format.json").And.Contain("--prompt-format"));
        Assert.That(noFormat.StdErr.Trim(), Does.Not.Contain("\n").And.Not.Contain("   at "));

        // A base folder without tokenizer files either: the text options fail naming both folders; --ids still works.
        var bare = temp.Combine("bare");
        Directory.CreateDirectory(bare);
        foreach (var file in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(baseDir, file), Path.Combine(bare, file));
        foreach (var (option, value) in new[] { ("--question", Question), ("--prompt", "Hello") })
        {
            var result = LoraProcess.Run(temp.Path, null, "generate", "--model", bare, "--adapter", adapterDir, "--prompt-format", format, option, value);
            Assert.That(result.ExitCode, Is.EqualTo(1), result.Output);
            Assert.That(result.StdErr, Does.Contain($"{option}: no tokenizer files").And.Contain(bare).And.Contain(adapterDir).And.Contain("--ids"));
            Assert.That(result.StdErr.Trim(), Does.Not.Contain("\n").And.Not.Contain("internal error"));
        }
        var ids = LoraProcess.Run(temp.Path, null, "generate", "--model", bare, "--adapter", adapterDir, "--ids", "1 2 3", "--max-new-tokens", "2", "--json");
        Assert.That(ids.ExitCode, Is.EqualTo(0), ids.Output);

        // A broken tokenizer file is named, not silently replaced by another folder's.
        File.WriteAllText(Path.Combine(bare, "tokenizer.json"), "{ not json");
        var broken = LoraProcess.Run(temp.Path, null, "generate", "--model", bare, "--adapter", adapterDir, "--prompt", "Hello");
        Assert.That(broken.ExitCode, Is.EqualTo(1), broken.Output);
        Assert.That(broken.StdErr, Does.Contain("tokenizer.json").And.Not.Contain("internal error"));
    }
}
