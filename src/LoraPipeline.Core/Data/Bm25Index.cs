using Lucene.Net.Analysis.En;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace LoraPipeline.Data;

/// <summary>
/// BM25 retrieval over chunks with Lucene.Net (English analyzer: stemming and stop words). Lucene 4.8
/// defaults to TF-IDF, so BM25 is set on both the writer and the searcher.
/// </summary>
internal sealed class Bm25Index : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly EnglishAnalyzer _analyzer = new(Version);
    private readonly IReadOnlyList<Chunk> _chunks;

    /// <summary>Indexes <paramref name="chunks"/>.</summary>
    public Bm25Index(IReadOnlyList<Chunk> chunks)
    {
        _chunks = chunks;
        var config = new IndexWriterConfig(Version, _analyzer) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(_directory, config))
        {
            for (var i = 0; i < chunks.Count; i++)
            {
                writer.AddDocument(new Lucene.Net.Documents.Document
                {
                    new StoredField("ordinal", i),
                    new TextField("text", chunks[i].Text, Field.Store.NO),
                });
            }
            writer.Commit();
        }
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
    }

    /// <summary>The best <paramref name="k"/> chunks for <paramref name="query"/>, best first, with their scores.</summary>
    public IReadOnlyList<(Chunk Chunk, float Score)> Search(string query, int k)
    {
        var parser = new QueryParser(Version, "text", _analyzer) { DefaultOperator = Operator.OR };
        var escaped = QueryParserBase.Escape(query);
        if (string.IsNullOrWhiteSpace(escaped)) return [];
        Query parsed;
        try
        {
            parsed = parser.Parse(escaped);
        }
        catch (ParseException)
        {
            return [];
        }
        var hits = _searcher.Search(parsed, Math.Max(1, k)).ScoreDocs;
        return hits.Select(h => (_chunks[_searcher.Doc(h.Doc).GetField("ordinal").GetInt32Value()!.Value], h.Score)).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reader.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }
}
