using System.Text.RegularExpressions;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Data;

/// <summary>Chunking, BM25 retrieval, splits and contexts on the shipped dataset.</summary>
public class RetrievalTests
{
    // Words and punctuation runs as a stand-in token count; the Prepare stage passes the model tokenizer's count.
    private static int CountTokens(string text) => Regex.Matches(text, @"\w+|[^\w\s]").Count;

    private static RagDataset _dataset = null!;
    private static List<Chunk> _chunks = null!;
    private static Bm25Index _index = null!;

    [OneTimeSetUp]
    public static void Load()
    {
        _dataset = RagDataset.Load(new DataOptions(), RepositoryPaths.Root);
        var chunker = new Chunker(CountTokens, 96, 16);
        _chunks = _dataset.Documents.Values.SelectMany(chunker.Split).ToList();
        _index = new Bm25Index(_chunks);
    }

    [OneTimeTearDown]
    public static void Dispose() => _index.Dispose();

    [Test]
    public void ChunksRespectTheBudgetOverlapAndCoverTheDocument()
    {
        var document = _dataset.Documents.Values.First();
        var chunks = new Chunker(CountTokens, 40, 10).Split(document);
        Assert.That(chunks, Has.Count.GreaterThan(2));
        Assert.That(chunks.Select(c => c.Tokens), Is.All.LessThanOrEqualTo(40 + 5), "a chunk ends at a word boundary within its budget");
        for (var i = 1; i < chunks.Count; i++)
        {
            var previousWords = chunks[i - 1].Text.Split(' ');
            Assert.That(chunks[i].Text, Does.StartWith(previousWords[^1]).Or.Contain(previousWords[^1]), "consecutive chunks overlap");
        }
        var allWords = document.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var covered = chunks.SelectMany(c => c.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        Assert.That(allWords.Where(w => !covered.Contains(w)), Is.Empty, "every word lands in some chunk");
    }

    [Test]
    public void Bm25FindsTheSourceDocumentForMostQuestions()
    {
        var answerable = _dataset.Pairs.Where(p => p.Sources.Count == 1).ToList();
        var hits = answerable.Count(p => _index.Search(p.Question, 3).Any(h => h.Chunk.DocumentId == p.Sources[0]));
        TestContext.Out.WriteLine($"source document in top 3 for {hits}/{answerable.Count} single-source questions");
        Assert.That(hits / (double)answerable.Count, Is.GreaterThan(0.8));
    }

    [Test]
    public void SplitsAreDeterministicFollowTheRatiosAndKeepGroupsTogether()
    {
        var splits = _dataset.Pairs.Select(p => (p.Group, Split: SplitAssigner.Assign(p.Group, 0.8, 0.1))).ToList();
        Assert.That(splits.GroupBy(s => s.Group).All(g => g.Select(s => s.Split).Distinct().Count() == 1), "paraphrases never straddle splits");
        var groups = splits.DistinctBy(s => s.Group).ToList();
        var trainShare = groups.Count(g => g.Split == Split.Train) / (double)groups.Count;
        Assert.That(trainShare, Is.EqualTo(0.8).Within(0.07));
        Assert.That(groups.Count(g => g.Split == Split.Test), Is.GreaterThan(10));
        // Independent of order: assigning in reverse order gives the same splits.
        var reversed = _dataset.Pairs.AsEnumerable().Reverse().ToDictionary(p => p.Id, p => SplitAssigner.Assign(p.Group, 0.8, 0.1));
        Assert.That(_dataset.Pairs.All(p => reversed[p.Id] == SplitAssigner.Assign(p.Group, 0.8, 0.1)));
        Assert.That(SplitAssigner.Assign("any", 1.0, 0.0), Is.EqualTo(Split.Train));
        Assert.That(SplitAssigner.Assign("any", 0.0, 0.0), Is.EqualTo(Split.Test));
    }

    [Test]
    public void ContextsHoldTheOracleExceptForTheConfiguredRefusalShare()
    {
        var builder = new ContextBuilder(_chunks, _index, topK: 3, refusalShare: 0.25, seed: 7, _dataset.RefusalAnswer);
        var train = _dataset.Pairs.Where(p => p.Sources.Count > 0).Select(p => builder.Build(p, Split.Train)).ToList();
        Assert.That(train.Select(e => e.Passages.Count), Is.All.EqualTo(3));
        var removed = train.Count(e => e.OracleRemoved);
        Assert.That(removed / (double)train.Count, Is.EqualTo(0.25).Within(0.05));
        foreach (var (example, pair) in train.Zip(_dataset.Pairs.Where(p => p.Sources.Count > 0)).Where(x => x.First.OracleRemoved))
        {
            Assert.That(example.Answer, Is.EqualTo(_dataset.RefusalAnswer));
            // No passage of a source document may still give the answer away (overlapping chunks).
            var sourcePassages = example.ContextIds.Zip(example.Passages).Where(c => pair.Sources.Contains(c.First.Split('#')[0]));
            Assert.That(sourcePassages.Any(c => c.Second.Contains(pair.Answer)), Is.False, $"{pair.Id}: refusal with the answer in context");
        }
        foreach (var (example, pair) in train.Zip(_dataset.Pairs.Where(p => p.Sources.Count > 0)).Where(x => !x.First.OracleRemoved))
        {
            var parts = pair.Answer.Split(" and ");
            Assert.That(parts.All(part => example.Passages.Any(p => p.Contains(part))), Is.True, $"{pair.Id}: the answer is in the context");
        }
        var test = _dataset.Pairs.Where(p => p.Sources.Count > 0).Select(p => builder.Build(p, Split.Test)).ToList();
        Assert.That(test.Count(e => e.OracleRemoved), Is.Zero, "only training examples lose their oracle");
        var again = new ContextBuilder(_chunks, _index, 3, 0.25, 7, _dataset.RefusalAnswer).Build(_dataset.Pairs[5], Split.Train);
        Assert.That(again.ContextIds, Is.EqualTo(builder.Build(_dataset.Pairs[5], Split.Train).ContextIds), "deterministic");
    }
}
