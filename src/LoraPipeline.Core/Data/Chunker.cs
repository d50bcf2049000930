using System.Text.RegularExpressions;

namespace LoraPipeline.Data;

/// <summary>
/// Token-aware chunking: a document is cut at word boundaries into windows of at most
/// <c>chunkTokens</c> model tokens, consecutive windows sharing about <c>overlapTokens</c> tokens.
/// Token counts come from the model's tokenizer, so a chunk's budget is what it costs in the prompt.
/// </summary>
internal sealed partial class Chunker(Func<string, int> countTokens, int chunkTokens, int overlapTokens)
{
    [GeneratedRegex(@"\S+\s*")]
    private static partial Regex Words();

    /// <summary>Chunks a document.</summary>
    public IReadOnlyList<Chunk> Split(Document document)
    {
        var words = Words().Matches(document.Text).Select(m => m.Value).ToList();
        var costs = words.Select(w => Math.Max(1, countTokens(w))).ToList();
        var chunks = new List<Chunk>();
        var start = 0;
        while (start < words.Count)
        {
            var end = start;
            var tokens = 0;
            while (end < words.Count && (end == start || tokens + costs[end] <= chunkTokens))
                tokens += costs[end++];
            var text = string.Concat(words.Skip(start).Take(end - start)).Trim();
            chunks.Add(new Chunk($"{document.Id}#{chunks.Count}", document.Id, chunks.Count, text, countTokens(text)));
            if (end >= words.Count) break;
            // Step back from the end by about overlapTokens, always making progress.
            var next = end;
            var overlap = 0;
            while (next - 1 > start && overlap + costs[next - 1] <= overlapTokens)
                overlap += costs[--next];
            start = Math.Max(next, start + 1);
        }
        return chunks;
    }
}
