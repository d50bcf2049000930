using LoraPipeline.Tokenization;

namespace LoraPipeline.Data;

/// <summary>
/// Renders and tokenizes examples. The prompt and the answer are tokenized separately and concatenated,
/// so the label mask is exactly the answer's token positions plus the end-of-turn token (never found by
/// searching for a marker, never by comparing ids with eos). BOS is added once, only where the
/// tokenizer's config asks for it. Too-long examples lose context passages from the end, oracle
/// passages last of all; an example that still does not fit is dropped. The answer is never cut.
/// </summary>
internal sealed class ExampleEncoder
{
    private readonly ModelTokenizer _tokenizer;
    private readonly PromptTemplate _template;
    private readonly string _instruction;
    private readonly int _maxLength;
    private readonly IReadOnlyList<int> _prefix;

    /// <summary>Creates an encoder for one tokenizer and template.</summary>
    public ExampleEncoder(ModelTokenizer tokenizer, PromptTemplate template, string instruction, int maxLength)
    {
        _tokenizer = tokenizer;
        _template = template;
        _instruction = instruction;
        _maxLength = maxLength;
        EndId = template.EndOfTurnToken is { } token
            ? tokenizer.SpecialTokens.TryGetValue(token, out var id) ? id : throw new TokenizerException($"the tokenizer has no special token {token} needed by the {template.Format} prompt format")
            : tokenizer.EosId ?? throw new TokenizerException("the tokenizer defines no eos token; set model.prompt_format to a chat format or add eos_token to tokenizer_config.json");
        // What the tokenizer itself adds around a text (BOS for Llama-family models), minus any trailing eos.
        var specials = tokenizer.Encode("", addSpecialTokens: true).ToList();
        if (specials.Count > 0 && specials[^1] == tokenizer.EosId && specials[^1] != tokenizer.BosId) specials.RemoveAt(specials.Count - 1);
        _prefix = specials;
    }

    /// <summary>The token that ends every answer (and stops generation).</summary>
    public int EndId { get; }

    /// <summary>The prompt's token ids for a question and passages (as used at inference).</summary>
    public List<int> EncodePrompt(string question, IReadOnlyList<string> passages)
    {
        var ids = new List<int>(_prefix);
        ids.AddRange(_tokenizer.Encode(_template.RenderPrompt(_instruction, question, passages), addSpecialTokens: false));
        return ids;
    }

    /// <summary>The prompt text for a question and passages.</summary>
    public string RenderPrompt(string question, IReadOnlyList<string> passages) => _template.RenderPrompt(_instruction, question, passages);

    /// <summary>Result of encoding one example.</summary>
    /// <param name="Encoded">The tokens, or null when the example was dropped.</param>
    /// <param name="Passages">Passages kept in the prompt.</param>
    /// <param name="ContextIds">Their ids.</param>
    /// <param name="PassagesRemoved">How many passages were truncated away.</param>
    public sealed record Result(EncodedExample? Encoded, IReadOnlyList<string> Passages, IReadOnlyList<string> ContextIds, int PassagesRemoved);

    /// <summary>Encodes an example, truncating context passages when needed.</summary>
    public Result Encode(RagExample example)
    {
        var answer = _tokenizer.Encode(_template.RenderAnswer(example.Answer), addSpecialTokens: false);
        var passages = example.Passages.ToList();
        var ids = example.ContextIds.ToList();
        var removed = 0;
        while (true)
        {
            var prompt = EncodePrompt(example.Question, passages);
            if (prompt.Count + answer.Count + 1 <= _maxLength)
            {
                var all = new List<int>(prompt.Count + answer.Count + 1);
                all.AddRange(prompt);
                all.AddRange(answer);
                all.Add(EndId);
                return new Result(new EncodedExample(example.Id, all, prompt.Count), passages, ids, removed);
            }
            // Drop the last non-oracle passage; oracle passages go last (dropping one would falsify the label).
            var victim = Enumerable.Range(0, passages.Count).Reverse().FirstOrDefault(i => !example.OracleIds.Contains(ids[i]), -1);
            if (victim < 0 || passages.Count <= 1) return new Result(null, passages, ids, removed);
            passages.RemoveAt(victim);
            ids.RemoveAt(victim);
            removed++;
        }
    }
}
