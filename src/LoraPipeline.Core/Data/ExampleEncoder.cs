using LoraPipeline.Tokenization;

namespace LoraPipeline.Data;

/// <summary>
/// Renders and tokenizes examples. The prompt+answer text is tokenized in one piece, as transformers'
/// <c>apply_chat_template</c> and TRL do (a SentencePiece tokenizer would otherwise give a separately
/// tokenized answer an extra dummy-prefix token that served text never has); the label mask is the tokens
/// after the prompt's own tokens plus the end-of-turn token (never found by searching for a marker, never
/// by comparing ids with eos). Only where the joint tokens do not start with the prompt's tokens (a merge
/// across the boundary) are prompt and answer tokenized separately and concatenated. BOS is added once, only where the
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
        // What the tokenizer itself adds around a text (BOS for Llama-family models), minus any trailing eos; none around
        // a chat template's text, which writes its own (as apply_chat_template tokenizes with add_special_tokens=False).
        var specials = template.AddsTokenizerSpecials ? tokenizer.Encode("", addSpecialTokens: true).ToList() : [];
        if (specials.Count > 0 && specials[^1] == tokenizer.EosId && specials[^1] != tokenizer.BosId) specials.RemoveAt(specials.Count - 1);
        _prefix = specials;
        // Trainers fed the split files (NeMo, TRL) tokenize `input` with the tokenizer's specials: where those add BOS, a chat
        // template's own leading BOS text is left out of `input`, so they too see exactly one.
        var tokenizerBos = tokenizer.Encode("", addSpecialTokens: true).FirstOrDefault(-1);
        _splitInputBos = !template.AddsTokenizerSpecials && tokenizerBos >= 0 && tokenizerBos == tokenizer.BosId
            ? tokenizer.SpecialTokens.FirstOrDefault(p => p.Value == tokenizerBos).Key
            : null;
    }

    private readonly string? _splitInputBos;

    /// <summary>The prompt text for the split files' <c>input</c>: <see cref="RenderPrompt"/>, less a chat template's leading BOS
    /// text where the tokenizer adds BOS itself (so <c>input</c> tokenized with special tokens is exactly the training prompt).</summary>
    public string SplitInput(string question, IReadOnlyList<string> passages)
    {
        var text = RenderPrompt(question, passages);
        return _splitInputBos is { Length: > 0 } bos && text.StartsWith(bos, StringComparison.Ordinal) ? text[bos.Length..] : text;
    }

    /// <summary>The token that ends every answer (and stops generation).</summary>
    public int EndId { get; }

    /// <summary>The prompt's token ids for a question and passages (as used at inference).</summary>
    public List<int> EncodePrompt(string question, IReadOnlyList<string> passages) => EncodePromptText(RenderPrompt(question, passages));

    private List<int> EncodePromptText(string promptText)
    {
        var ids = new List<int>(_prefix);
        ids.AddRange(_tokenizer.Encode(promptText, addSpecialTokens: false));
        return ids;
    }

    /// <summary>The prompt text for a question and passages.</summary>
    public string RenderPrompt(string question, IReadOnlyList<string> passages) => _template.RenderPrompt(_instruction, question, passages);

    // The joint text's tokens after the prompt's, or null when the joint tokens do not start with the prompt's.
    private List<int>? AnswerIds(List<int> prompt, string jointText)
    {
        var joint = new List<int>(_prefix);
        joint.AddRange(_tokenizer.Encode(jointText, addSpecialTokens: false));
        if (joint.Count <= prompt.Count) return null;
        for (var i = 0; i < prompt.Count; i++)
            if (joint[i] != prompt[i]) return null;
        return joint.GetRange(prompt.Count, joint.Count - prompt.Count);
    }

    /// <summary>Result of encoding one example.</summary>
    /// <param name="Encoded">The tokens, or null when the example was dropped.</param>
    /// <param name="Passages">Passages kept in the prompt.</param>
    /// <param name="ContextIds">Their ids.</param>
    /// <param name="PassagesRemoved">How many passages were truncated away.</param>
    public sealed record Result(EncodedExample? Encoded, IReadOnlyList<string> Passages, IReadOnlyList<string> ContextIds, int PassagesRemoved);

    /// <summary>Encodes an example, truncating context passages when needed.</summary>
    public Result Encode(RagExample example)
    {
        var passages = example.Passages.ToList();
        var ids = example.ContextIds.ToList();
        var removed = 0;
        while (true)
        {
            var answerText = _template.RenderAnswer(example.Answer, _instruction, example.Question, passages);
            var separateAnswer = _tokenizer.Encode(answerText, addSpecialTokens: false);
            var promptText = RenderPrompt(example.Question, passages);
            var prompt = EncodePromptText(promptText);
            var answer = AnswerIds(prompt, promptText + answerText) ?? separateAnswer;
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
