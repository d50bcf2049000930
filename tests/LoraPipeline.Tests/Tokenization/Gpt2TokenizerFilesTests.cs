using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;
using Microsoft.ML.Tokenizers;

namespace LoraPipeline.Tests.Tokenization;

/// <summary>The GPT-2 files written for the builtin tiny model: loaded by ModelTokenizer they must tokenize exactly as
/// GPT-2 (tiktoken's rank-based BPE over the same data) and as Hugging Face loading the written tokenizer.json.</summary>
public class Gpt2TokenizerFilesTests
{
    [Test]
    public void Written_files_tokenize_exactly_as_gpt2_and_as_hugging_face()
    {
        using var temp = new TempDirectory("gpt2-tok");
        Gpt2TokenizerFiles.Write(temp.Path);
        var tokenizer = ModelTokenizer.Load(temp.Path);
        var oracle = new TokenizerFixtures.Oracle(temp.Combine("tokenizer.json"));
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        var fromVocabMerges = temp.Combine("vm");
        Directory.CreateDirectory(fromVocabMerges);
        File.Copy(temp.Combine("vocab.json"), Path.Combine(fromVocabMerges, "vocab.json"));
        File.Copy(temp.Combine("merges.txt"), Path.Combine(fromVocabMerges, "merges.txt"));
        File.Copy(temp.Combine("tokenizer_config.json"), Path.Combine(fromVocabMerges, "tokenizer_config.json"));
        var viaVocabMerges = ModelTokenizer.Load(fromVocabMerges);

        Assert.That(tokenizer.VocabSize, Is.EqualTo(50257));
        Assert.That(tokenizer.BosId, Is.EqualTo(50256));
        Assert.That(tokenizer.EosId, Is.EqualTo(50256));
        foreach (var text in TokenizerFixtures.Samples.Append("one<|endoftext|>two"))
        {
            var ours = tokenizer.Encode(text, addSpecialTokens: true);
            Assert.That(ours, Is.EqualTo(oracle.Encode(text)), TokenizerParityTests.Escape(text));
            Assert.That(viaVocabMerges.Encode(text, addSpecialTokens: true), Is.EqualTo(ours), TokenizerParityTests.Escape(text));
            if (!text.Contains("<|endoftext|>", StringComparison.Ordinal))
                Assert.That(ours, Is.EqualTo(tiktoken.EncodeToIds(text)), TokenizerParityTests.Escape(text));
            Assert.That(tokenizer.Decode(ours, skipSpecialTokens: false), Is.EqualTo(text));
        }
        Assert.That(tokenizer.Encode("one<|endoftext|>two", addSpecialTokens: true), Does.Contain(50256));
    }

    [Test]
    public void Writing_is_deterministic_and_leaves_no_temporary_files()
    {
        using var temp = new TempDirectory("gpt2-tok");
        Gpt2TokenizerFiles.Write(temp.Combine("a"));
        Gpt2TokenizerFiles.Write(temp.Combine("b"));
        Gpt2TokenizerFiles.Write(temp.Combine("b")); // overwrite in place
        var names = Directory.GetFiles(temp.Combine("a")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "merges.txt", "tokenizer.json", "tokenizer_config.json", "vocab.json" }));
        foreach (var name in names)
            Assert.That(File.ReadAllBytes(temp.Combine("b", name!)), Is.EqualTo(File.ReadAllBytes(temp.Combine("a", name!))), name);
        Assert.That(Directory.GetFiles(temp.Combine("b")), Has.Length.EqualTo(4));
    }
}
