using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LoraPipeline.Configuration;

/// <summary>The <c>data</c> section: inputs, retrieval, prompt length and splits.</summary>
internal sealed class DataOptions
{
    /// <summary>Dataset folder with <c>documents/</c> and <c>qa.jsonl</c>, relative to the repository root.</summary>
    [Description("dataset folder with documents/ and qa.jsonl")]
    public string Dataset { get; set; } = "datasets/acme";

    /// <summary>Optional JSONL of ready-made examples (<c>question</c>, <c>context</c>, <c>answer</c>) used instead of the dataset folder.</summary>
    [Description("optional JSONL of ready-made examples (question, context, answer)")]
    public string? Examples { get; set; }

    /// <summary>Malformed input lines: fail or skip.</summary>
    [Description("malformed input lines: fail or skip")]
    public OnError OnError { get; set; } = OnError.Fail;

    /// <summary>Chunk size in tokens.</summary>
    [Description("chunk size in tokens"), Range(16, 8192)]
    public int ChunkTokens { get; set; } = 96;

    /// <summary>Overlap between consecutive chunks in tokens.</summary>
    [Description("overlap between consecutive chunks, in tokens"), Range(0, 4096)]
    public int ChunkOverlap { get; set; } = 16;

    /// <summary>Chunks in each example's context.</summary>
    [Description("chunks in each example's context"), Range(1, 64)]
    public int TopK { get; set; } = 3;

    /// <summary>Share of training examples whose oracle chunk is removed (the answer becomes the refusal).</summary>
    [Description("share of training examples whose oracle chunk is removed"), Range(0.0, 1.0)]
    public double RefusalShare { get; set; } = 0.1;

    /// <summary>Longest tokenized example (prompt + answer + eos).</summary>
    [Description("longest tokenized example, prompt + answer + eos"), Range(16, 1_048_576)]
    public int MaxSeqLength { get; set; } = 384;

    /// <summary>Pack several training examples into one row of up to <see cref="MaxSeqLength"/> tokens.</summary>
    [Description("pack training examples into rows of up to max_seq_length tokens (attention stays within each example, positions restart per example)")]
    [System.Text.Json.Serialization.JsonIgnore] // a Train concern: it is in Train's fingerprint, so toggling it does not redo Prepare
    public bool Packing { get; set; }

    /// <summary>
    /// Training files mixed instead of Prepare's train split: each a prepared dataset folder (its <c>train.tokens.jsonl</c>),
    /// a <c>*.tokens.jsonl</c> file, a split <c>*.jsonl</c> beside its <c>*.tokens.jsonl</c>, or <c>prepare</c> for this
    /// run's own train split; relative paths are resolved against the current folder. Empty: Prepare's train split alone.
    /// </summary>
    [Description("training files mixed by data.concat_sampling_probabilities: prepared folders, *.tokens.jsonl files or 'prepare' (this run's train split); [] = Prepare's train split")]
    [System.Text.Json.Serialization.JsonIgnore] // a Train concern: Train's fingerprint holds it and the files' hashes
    public List<string> TrainFiles { get; set; } = [];

    /// <summary>Share of the training examples drawn from each of <see cref="TrainFiles"/> (each &gt; 0, summing to 1).</summary>
    [Description("share of training examples from each of data.train_files: one value per file, each > 0, summing to 1")]
    [System.Text.Json.Serialization.JsonIgnore]
    public List<double> ConcatSamplingProbabilities { get; set; } = [];

    /// <summary>Share of example groups in train.</summary>
    [Description("share of example groups in train"), Range(0.0, 1.0)]
    public double TrainRatio { get; set; } = 0.8;

    /// <summary>Share of example groups in valid.</summary>
    [Description("share of example groups in valid"), Range(0.0, 1.0)]
    public double ValidRatio { get; set; } = 0.1;

    /// <summary>Share of example groups in test.</summary>
    [Description("share of example groups in test"), Range(0.0, 1.0)]
    public double TestRatio { get; set; } = 0.1;

    /// <summary>Seed for distractor choice and shuffling (splits use a hash of the id, not this seed).</summary>
    [Description("seed for distractors and shuffling")]
    public int Seed { get; set; } = 1234;
}
