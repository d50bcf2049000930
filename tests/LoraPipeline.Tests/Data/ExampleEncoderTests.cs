using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Tests.Data;

/// <summary>Prompt rendering and tokenization rules: one BOS, answer-only labels ending in the end-of-turn token, truncation.</summary>
public class ExampleEncoderTests
{
    private static ModelTokenizer Fixture(string kind) => ModelTokenizer.Load(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "tokenizers", kind));

    private static RagExample Example(string answer, params string[] passages) =>
        new("q1", "g1", Split.Train, "How often are laptops replaced?", answer, passages,
            passages.Select((_, i) => $"doc#{i}").ToList(), true, false, new HashSet<string> { "doc#0" });

    private static ExampleEncoder Encoder(ModelTokenizer tokenizer, PromptFormat format, int maxLength = 4096) =>
        new(tokenizer, PromptTemplate.Create(format, tokenizer.SpecialTokens.Keys.ToHashSet()), PromptTemplate.Instruction("No answer."), maxLength);

    [Test]
    public void Llama3FormatHasOneBosAndEndsAnswersWithEotId()
    {
        var tokenizer = Fixture("byte-level-bpe-llama3");
        var template = PromptTemplate.Create(PromptFormat.Auto, tokenizer.SpecialTokens.Keys.ToHashSet());
        Assert.That(template.Format, Is.EqualTo(PromptFormat.Llama3), "auto picks the family's chat format");
        var encoder = Encoder(tokenizer, PromptFormat.Auto);
        var encoded = encoder.Encode(Example("every 4 years", "Laptops are replaced every 4 years.")).Encoded!;
        var bos = tokenizer.SpecialTokens["<|begin_of_text|>"];
        Assert.That(encoded.InputIds[0], Is.EqualTo(bos));
        Assert.That(encoded.InputIds.Count(id => id == bos), Is.EqualTo(1), "BOS exactly once");
        Assert.That(encoded.InputIds[^1], Is.EqualTo(tokenizer.SpecialTokens["<|eot_id|>"]));
        var labels = encoded.InputIds.Skip(encoded.LabelStart).ToList();
        Assert.That(tokenizer.Decode(labels.SkipLast(1), skipSpecialTokens: false), Is.EqualTo("every 4 years"));
        Assert.That(tokenizer.Decode(encoded.InputIds.Take(encoded.LabelStart), skipSpecialTokens: false),
            Does.EndWith("<|start_header_id|>assistant<|end_header_id|>\n\n"));
    }

    [Test]
    public void Llama2FormatWithASentencePieceTokenizerAddsOneBosAndEndsWithEos()
    {
        var tokenizer = Fixture("sentencepiece-bpe");
        var encoded = Encoder(tokenizer, PromptFormat.Llama2).Encode(Example("every 4 years", "Laptops are replaced every 4 years.")).Encoded!;
        Assert.That(tokenizer.BosId, Is.Not.Null);
        Assert.That(encoded.InputIds[0], Is.EqualTo(tokenizer.BosId));
        Assert.That(encoded.InputIds[1], Is.Not.EqualTo(tokenizer.BosId), "never doubled");
        Assert.That(encoded.InputIds[^1], Is.EqualTo(tokenizer.EosId));
        Assert.That(tokenizer.Decode(encoded.InputIds.Skip(encoded.LabelStart).SkipLast(1), skipSpecialTokens: true).Trim(), Is.EqualTo("every 4 years"));
    }

    [Test]
    public void EosIsALearnedLabelEvenWhenPadEqualsEos()
    {
        using var temp = new TempDirectory("pad-eos");
        foreach (var file in Directory.GetFiles(RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "tokenizers", "byte-level-bpe-gpt2")))
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        File.WriteAllText(temp.Combine("tokenizer_config.json"), """{"add_bos_token": false, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}""");
        var tokenizer = ModelTokenizer.Load(temp.Path);
        Assert.That(tokenizer.PadId, Is.EqualTo(tokenizer.EosId));
        var encoded = Encoder(tokenizer, PromptFormat.Plain).Encode(Example("every 4 years", "Laptops are replaced every 4 years.")).Encoded!;
        Assert.That(encoded.InputIds[^1], Is.EqualTo(tokenizer.EosId));
        Assert.That(encoded.LabelStart, Is.LessThan(encoded.InputIds.Count - 1), "answer tokens and the eos are all labels");
        Assert.That(tokenizer.Decode(encoded.InputIds.Skip(encoded.LabelStart).SkipLast(1), skipSpecialTokens: false), Is.EqualTo(" every 4 years"));
    }

    [Test]
    public void TooLongExamplesLoseDistractorsFirstAndNeverTheAnswer()
    {
        var tokenizer = Fixture("byte-level-bpe-gpt2");
        var oracle = "Laptops are replaced every 4 years.";
        var distractor = string.Join(' ', Enumerable.Repeat("Printers are serviced twice a year by the facilities team.", 6));
        var example = Example("every 4 years", oracle, distractor, distractor);
        var full = Encoder(tokenizer, PromptFormat.Plain).Encode(example).Encoded!.InputIds.Count;

        var result = Encoder(tokenizer, PromptFormat.Plain, maxLength: full - 10).Encode(example);
        Assert.That(result.Encoded, Is.Not.Null);
        Assert.That(result.PassagesRemoved, Is.EqualTo(1));
        Assert.That(result.ContextIds, Is.EqualTo(new[] { "doc#0", "doc#1" }), "the last distractor goes first");
        var labels = result.Encoded!.InputIds.Skip(result.Encoded.LabelStart).SkipLast(1);
        Assert.That(tokenizer.Decode(labels, skipSpecialTokens: false), Is.EqualTo(" every 4 years"));

        var onlyOracle = Encoder(tokenizer, PromptFormat.Plain).Encode(Example("every 4 years", oracle)).Encoded!.InputIds.Count;
        var tight = Encoder(tokenizer, PromptFormat.Plain, maxLength: onlyOracle).Encode(example);
        Assert.That(tight.ContextIds, Is.EqualTo(new[] { "doc#0" }), "the oracle is kept to the end");
        var dropped = Encoder(tokenizer, PromptFormat.Plain, maxLength: onlyOracle - 1).Encode(example);
        Assert.That(dropped.Encoded, Is.Null, "an example that cannot fit with its oracle is dropped, not cut");
    }
}
