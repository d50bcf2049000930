using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LoraPipeline.Data;

/// <summary>
/// Builds each example's context as in retrieval-augmented fine-tuning: the oracle passage(s) that hold
/// the answer plus the best BM25 distractors, in a shuffled order, <c>topK</c> passages in all. In the
/// train split a configured share of answerable examples loses its oracle and gets the refusal as answer.
/// Every random choice is seeded by a hash of (seed, example id), so results do not depend on order.
/// </summary>
internal sealed class ContextBuilder(IReadOnlyList<Chunk> chunks, Bm25Index index, int topK, double refusalShare, int seed, string refusal)
{
    private readonly ILookup<string, Chunk> _byDocument = chunks.ToLookup(c => c.DocumentId);

    /// <summary>Builds the example of a question assigned to <paramref name="split"/>.</summary>
    public RagExample Build(QaPair pair, Split split)
    {
        var random = new Random(StableSeed(pair.Id));
        if (pair.Context is { } given)
        {
            var ids = given.Select((_, i) => $"{pair.Id}#ctx{i}").ToList();
            return new RagExample(pair.Id, pair.Group, split, pair.Question, pair.Answer, given, ids,
                Answerable: pair.Answer != refusal, OracleRemoved: false, OracleIds: new HashSet<string>());
        }

        var oracles = pair.Sources.Select(source => FindOracle(source, pair)).OfType<Chunk>().Distinct().ToList();
        var removeOracle = split == Split.Train && oracles.Count > 0 && random.NextDouble() < refusalShare;
        var kept = removeOracle ? [] : oracles.Take(topK).ToList();
        // A distractor must not give the answer away: overlapping chunks of a source document that also
        // contain the answer are not distractors (they would contradict a refusal label).
        var parts = AnswerParts(pair.Answer).ToList();
        var distractors = index.Search(pair.Question, topK + oracles.Count + 8)
            .Select(h => h.Chunk)
            .Where(c => !oracles.Contains(c))
            .Where(c => !(pair.Sources.Contains(c.DocumentId) && parts.Any(p => c.Text.Contains(p, StringComparison.Ordinal))))
            .Take(topK - kept.Count);
        var context = kept.Concat(distractors).ToList();
        Shuffle(context, random);
        var answerable = kept.Count > 0;
        return new RagExample(pair.Id, pair.Group, split, pair.Question, answerable ? pair.Answer : refusal,
            context.Select(c => c.Text).ToList(), context.Select(c => c.Id).ToList(), answerable, removeOracle,
            kept.Select(c => c.Id).ToHashSet());
    }

    // The chunk of the source document that contains the answer (or, for a combined answer "x and y",
    // the part found in this document); if none does, the document's best BM25 chunk for the question.
    private Chunk? FindOracle(string documentId, QaPair pair)
    {
        var candidates = _byDocument[documentId].ToList();
        if (candidates.Count == 0) return null;
        foreach (var part in AnswerParts(pair.Answer))
        {
            var match = candidates.FirstOrDefault(c => c.Text.Contains(part, StringComparison.Ordinal));
            if (match is not null) return match;
        }
        var ranked = index.Search(pair.Question, 50).Select(h => h.Chunk).FirstOrDefault(c => c.DocumentId == documentId);
        return ranked ?? candidates[0];
    }

    // The answer, and for a combined answer "x and y" each part.
    private static IEnumerable<string> AnswerParts(string answer) =>
        new[] { answer }.Concat(answer.Split(" and ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct();

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private int StableSeed(string id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{id}"));
        return BinaryPrimitives.ReadInt32LittleEndian(hash);
    }
}
