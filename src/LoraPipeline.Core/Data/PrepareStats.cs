using System.Globalization;
using System.Text;

namespace LoraPipeline.Data;

/// <summary>Statistics of a Prepare run: what <c>stats.json</c> and <c>stats.md</c> report.</summary>
internal sealed class PrepareStats
{
    /// <summary>Per-split figures.</summary>
    public sealed class SplitStats
    {
        /// <summary>Examples written.</summary>
        public int Examples { get; set; }
        /// <summary>Examples whose context holds the answer.</summary>
        public int Answerable { get; set; }
        /// <summary>Examples whose answer is the refusal.</summary>
        public int Unanswerable { get; set; }
        /// <summary>Training examples whose oracle was removed on purpose.</summary>
        public int OracleRemoved { get; set; }
        /// <summary>Examples that lost context passages to fit.</summary>
        public int Truncated { get; set; }
        /// <summary>Examples dropped because even the shortest prompt did not fit.</summary>
        public int Dropped { get; set; }
        /// <summary>Token-length percentiles of whole examples: p50, p90, p99, max.</summary>
        public Dictionary<string, int> TokenLengths { get; set; } = [];
        /// <summary>Answer tokens (labels) in all examples of the split.</summary>
        public long AnswerTokens { get; set; }
    }

    /// <summary>Prompt format used.</summary>
    public string PromptFormat { get; set; } = "";
    /// <summary>Per split.</summary>
    public Dictionary<string, SplitStats> Splits { get; set; } = [];
    /// <summary>Input lines skipped under on_error: skip.</summary>
    public List<string> SkippedInputLines { get; set; } = [];
    /// <summary>Chunks indexed.</summary>
    public int Chunks { get; set; }
    /// <summary>Examples whose encoded answer differs from the answer tokenized alone (must be 0).</summary>
    public int AnswerLostTokens { get; set; }
    /// <summary>Examples whose last token is not the end-of-turn label (must be 0).</summary>
    public int MissingFinalEosLabel { get; set; }
    /// <summary>Examples that start with two BOS tokens (must be 0).</summary>
    public int DoubledBos { get; set; }
    /// <summary>Test questions whose normalised text also appears in train.</summary>
    public List<string> LeakedTestQuestions { get; set; } = [];
    /// <summary>Configured share of training examples without their oracle.</summary>
    public double RefusalShareConfigured { get; set; }

    /// <summary>p50/p90/p99/max of lengths.</summary>
    public static Dictionary<string, int> Percentiles(IReadOnlyList<int> lengths)
    {
        if (lengths.Count == 0) return [];
        var sorted = lengths.Order().ToArray();
        int At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Dictionary<string, int> { ["p50"] = At(0.5), ["p90"] = At(0.9), ["p99"] = At(0.99), ["max"] = sorted[^1] };
    }

    /// <summary>A short Markdown summary.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# Prepared data\n\n");
        sb.Append(inv, $"Prompt format: `{PromptFormat}`; {Chunks} chunks indexed.\n\n");
        sb.Append("| split | examples | answerable | unanswerable | oracle removed | truncated | dropped | tokens p50 | p90 | p99 | max |\n");
        sb.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var (name, s) in Splits)
        {
            int P(string key) => s.TokenLengths.GetValueOrDefault(key);
            sb.Append(inv, $"| {name} | {s.Examples} | {s.Answerable} | {s.Unanswerable} | {s.OracleRemoved} | {s.Truncated} | {s.Dropped} | {P("p50")} | {P("p90")} | {P("p99")} | {P("max")} |\n");
        }
        sb.Append('\n');
        sb.Append(inv, $"- Answers that lost tokens: {AnswerLostTokens} (must be 0)\n");
        sb.Append(inv, $"- Examples without a final end-of-turn label: {MissingFinalEosLabel} (must be 0)\n");
        sb.Append(inv, $"- Doubled BOS: {DoubledBos} (must be 0)\n");
        sb.Append(inv, $"- Test questions also in train (normalised): {LeakedTestQuestions.Count}\n");
        sb.Append(inv, $"- Input lines skipped: {SkippedInputLines.Count}\n");
        return sb.ToString();
    }
}
