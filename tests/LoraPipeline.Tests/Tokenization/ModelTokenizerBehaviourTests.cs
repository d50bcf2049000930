using LoraPipeline.Tests.Support;
using LoraPipeline.Tokenization;

namespace LoraPipeline.Tests.Tokenization;

/// <summary>Special tokens, BOS handling, caching and error messages.</summary>
public class ModelTokenizerBehaviourTests
{
    private static string Llama3 => TokenizerFixtures.Folder("byte-level-bpe-llama3");

    [Test]
    public void Llama3_chat_markers_encode_to_their_single_ids_and_bos_is_not_doubled()
    {
        var tokenizer = ModelTokenizer.Load(Llama3);
        var eot = tokenizer.SpecialTokens["<|eot_id|>"];
        var bos = tokenizer.BosId!.Value;
        Assert.That(tokenizer.SpecialTokens["<|begin_of_text|>"], Is.EqualTo(bos));
        Assert.That(tokenizer.EosId, Is.EqualTo(eot));
        Assert.That(tokenizer.PadId, Is.Null);

        var plain = tokenizer.Encode("Hi", addSpecialTokens: false);
        Assert.That(tokenizer.Encode("Hi<|eot_id|>", addSpecialTokens: false), Is.EqualTo(plain.Append(eot)));
        Assert.That(tokenizer.Encode("Hi", addSpecialTokens: true), Is.EqualTo(plain.Prepend(bos)));
        Assert.That(tokenizer.Encode("<|begin_of_text|>Hi", addSpecialTokens: true), Is.EqualTo(plain.Prepend(bos)), "BOS doubled");
        Assert.That(tokenizer.Decode(tokenizer.Encode("<|begin_of_text|>Hi<|eot_id|>", true), skipSpecialTokens: true), Is.EqualTo("Hi"));
        Assert.That(tokenizer.Decode(tokenizer.Encode("Hi<|eot_id|>", true), skipSpecialTokens: false), Is.EqualTo("<|begin_of_text|>Hi<|eot_id|>"));
    }

    [Test]
    public void Config_add_bos_token_false_wins_over_the_template_and_pad_token_object_form_is_read()
    {
        using var temp = Copy(Llama3);
        File.WriteAllText(temp.Combine("tokenizer_config.json"),
            """{"add_bos_token": false, "bos_token": {"content": "<|begin_of_text|>"}, "eos_token": "<|end_of_text|>", "pad_token": {"content": "<|eot_id|>", "lstrip": false}}""");
        var tokenizer = ModelTokenizer.Load(temp.Path);
        Assert.That(tokenizer.Encode("Hi", true), Is.EqualTo(tokenizer.Encode("Hi", false)));
        Assert.That(tokenizer.PadId, Is.EqualTo(tokenizer.SpecialTokens["<|eot_id|>"]));
        Assert.That(tokenizer.EosId, Is.EqualTo(tokenizer.SpecialTokens["<|end_of_text|>"]));
    }

    [Test]
    public void Qwen2_has_no_bos_and_reads_pad_and_eos()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFixtures.Folder("byte-level-bpe-qwen2"));
        Assert.That(tokenizer.BosId, Is.Null);
        Assert.That(tokenizer.EosId, Is.EqualTo(tokenizer.SpecialTokens["<|im_end|>"]));
        Assert.That(tokenizer.PadId, Is.EqualTo(tokenizer.SpecialTokens["<|endoftext|>"]));
        Assert.That(tokenizer.Encode("Hi", true), Is.EqualTo(tokenizer.Encode("Hi", false)));
        Assert.That(tokenizer.VocabSize, Is.EqualTo(tokenizer.SpecialTokens.Values.Max() + 1));
    }

    [Test]
    public void Load_is_cached_until_a_file_changes()
    {
        using var temp = Copy(Llama3);
        var first = ModelTokenizer.Load(temp.Path);
        Assert.That(ModelTokenizer.Load(temp.Path), Is.SameAs(first));
        File.SetLastWriteTimeUtc(temp.Combine("tokenizer_config.json"), DateTime.UtcNow.AddMinutes(1));
        Assert.That(ModelTokenizer.Load(temp.Path), Is.Not.SameAs(first));
    }

    [Test]
    public void Unsupported_model_type_is_refused_naming_file_and_json_path()
    {
        using var temp = Copy(Llama3);
        var json = File.ReadAllText(temp.Combine("tokenizer.json")).Replace("\"type\": \"BPE\"", "\"type\": \"Unigram\"");
        File.WriteAllText(temp.Combine("tokenizer.json"), json);
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(temp.Path));
        Assert.That(error!.Message, Does.Contain("tokenizer.json").And.Contain("$.model.type").And.Contain("Unigram"));
    }

    [Test]
    public void Unsupported_pre_tokenizer_is_refused_naming_the_json_path()
    {
        using var temp = Copy(TokenizerFixtures.Folder("sentencepiece-bpe"));
        var json = File.ReadAllText(temp.Combine("tokenizer.json")).Replace("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Whitespace\"}");
        File.WriteAllText(temp.Combine("tokenizer.json"), json);
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(temp.Path));
        Assert.That(error!.Message, Does.Contain("tokenizer.json").And.Contain("$.pre_tokenizer").And.Contain("Whitespace"));
    }

    [Test]
    public void Unknown_bos_token_in_config_is_refused_naming_the_key()
    {
        using var temp = Copy(Llama3);
        File.WriteAllText(temp.Combine("tokenizer_config.json"), """{"bos_token": "<|nope|>"}""");
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(temp.Path));
        Assert.That(error!.Message, Does.Contain("tokenizer_config.json").And.Contain("$.bos_token").And.Contain("<|nope|>"));
    }

    [Test]
    public void A_folder_without_tokenizer_files_says_what_is_expected()
    {
        using var temp = new TempDirectory("tok");
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(temp.Path));
        Assert.That(error!.Message, Does.Contain("tokenizer.json").And.Contain("tokenizer.model").And.Contain("merges.txt"));
    }

    private static TempDirectory Copy(string folder)
    {
        var temp = new TempDirectory("tok");
        foreach (var file in Directory.GetFiles(folder)) File.Copy(file, temp.Combine(Path.GetFileName(file)));
        return temp;
    }
}
