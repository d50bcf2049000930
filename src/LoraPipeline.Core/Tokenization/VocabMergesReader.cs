namespace LoraPipeline.Tokenization;

/// <summary>Reads GPT-2 style <c>vocab.json</c> + <c>merges.txt</c> as a byte-level BPE with GPT-2's split regex.</summary>
internal static class VocabMergesReader
{
    public static TokenizerParts Read(string vocabPath, string mergesPath)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in JsonAccess.Parse(vocabPath).Properties()) vocab[token] = id.Int();
        var merges = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new TokenizerException($"{Path.GetFileName(mergesPath)}: line {lineNumber} '{line}' must be two tokens separated by one space. Replace the file with the one from the model's repository.");
            merges.Add(line);
        }
        var model = new ByteLevelBpe(vocab, merges, ByteLevelBpe.Gpt2Pattern, addPrefixSpace: false, ignoreMerges: false);
        return new TokenizerParts("byte-level-bpe", model, [], TokenDecoder.ByteLevel.Decode, null, null);
    }
}
