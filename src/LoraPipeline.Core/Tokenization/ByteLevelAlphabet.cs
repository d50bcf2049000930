using System.Text;

namespace LoraPipeline.Tokenization;

/// <summary>The reversible byte ↔ printable-character table of byte-level BPE files (GPT-2, Llama 3, Qwen2):
/// printable Latin-1 bytes stand for themselves, the other 68 bytes map to U+0100 onwards in byte order.</summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    /// <summary>The vocabulary spelling of a byte string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++) chars[i] = ByteToChar[source[i]];
        });
    }

    /// <summary>Writes the vocabulary spelling of <paramref name="bytes"/> into <paramref name="chars"/> (same length).</summary>
    public static void Spell(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
    }

    /// <summary>The vocabulary spelling of text's UTF-8 bytes.</summary>
    public static string EncodeText(ReadOnlySpan<char> text)
    {
        Span<byte> small = stackalloc byte[256];
        var count = Encoding.UTF8.GetByteCount(text);
        var bytes = count <= small.Length ? small[..count] : new byte[count];
        Encoding.UTF8.GetBytes(text, bytes);
        return Encode(bytes);
    }

    /// <summary>Appends the bytes a vocabulary string stands for; characters outside the table (added tokens) keep their UTF-8 bytes.</summary>
    public static void AppendBytes(string token, List<byte> bytes)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in token.EnumerateRunes())
        {
            if (rune.IsBmp && CharToByte.TryGetValue((char)rune.Value, out var b)) { bytes.Add(b); continue; }
            var n = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < n; i++) bytes.Add(utf8[i]);
        }
    }
}
