using System.Text.Json;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Tokenization;

/// <summary>The committed tokenizer fixtures (made by tests/scripts/make_tokenizer_fixtures.py) and Hugging Face's own
/// tokenizers (Rust, through Tokenizers.DotNet) as the oracle.</summary>
internal static class TokenizerFixtures
{
    public static string Folder(string kind) => RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "tokenizers", kind);

    private static readonly Lazy<JsonElement> SamplesJson = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(""), "samples.json"))).RootElement);

    public static IReadOnlyList<string> Samples =>
        [.. SamplesJson.Value.GetProperty("samples").EnumerateArray().Select(e => e.GetString()!),
         .. SamplesJson.Value.GetProperty("corpus").EnumerateArray().Select(e => e.GetString()!)];

    public static IReadOnlyList<string> SpecialSamples(string kind) =>
        [.. SamplesJson.Value.GetProperty("special_samples").GetProperty(kind).EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>Hugging Face tokenizers loading a tokenizer.json: encodes with add_special_tokens=true (post-processor
    /// applied) and decodes with skip_special_tokens=true.</summary>
    public sealed class Oracle(string tokenizerJson)
    {
        private readonly Tokenizers.DotNet.Tokenizer _tokenizer = new(vocabPath: tokenizerJson);

        public int[] Encode(string text) => [.. _tokenizer.Encode(text).Select(id => (int)id)];

        public string Decode(IEnumerable<int> ids) => _tokenizer.Decode([.. ids.Select(id => (uint)id)]);
    }
}
