using System.Globalization;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Training;

/// <summary>One file of <c>data.train_files</c>, resolved.</summary>
/// <param name="Name">As configured.</param>
/// <param name="TokensPath">The <c>*.tokens.jsonl</c> file read, or null for <c>prepare</c> (this run's train split).</param>
/// <param name="Probability">Its configured share.</param>
internal sealed record TrainingFile(string Name, string? TokensPath, double Probability);

/// <summary>
/// <c>data.train_files</c> and <c>data.concat_sampling_probabilities</c>: checked when the config is read, resolved to the
/// token files Train reads (and hashes into its fingerprint).
/// </summary>
internal static class TrainingFiles
{
    /// <summary>The entry naming this run's own prepared train split.</summary>
    public const string OwnSplit = "prepare";

    /// <summary>How far the probabilities' sum may be from 1.</summary>
    public const double SumTolerance = 1e-6;

    /// <summary>Throws <see cref="ConfigException"/> (one line naming the key and the values) when the two keys do not fit together
    /// or a file is missing.</summary>
    public static void Check(PipelineConfig config, string baseDirectory)
    {
        CheckValues(config);
        CheckFilesExist(config, baseDirectory);
    }

    /// <summary>The checks that need no file: counts, shares, empty or repeated entries.</summary>
    public static void CheckValues(PipelineConfig config)
    {
        var (files, probabilities) = (config.Data.TrainFiles, config.Data.ConcatSamplingProbabilities);
        var shown = "[" + string.Join(", ", probabilities.Select(p => p.ToString("R", CultureInfo.InvariantCulture))) + "]";
        if (files.Count == 0)
        {
            if (probabilities.Count > 0)
                throw config.Problem("data.concat_sampling_probabilities", $"{shown} given without data.train_files; list the files they mix, or remove it");
            return;
        }
        if (probabilities.Count != files.Count)
            throw config.Problem("data.concat_sampling_probabilities",
                $"{shown} has {probabilities.Count} value(s) for {files.Count} data.train_files; give one probability per file");
        var bad = probabilities.Select((p, i) => (p, i)).Where(x => !(x.p > 0) || double.IsInfinity(x.p)).ToList();
        if (bad.Count > 0)
            throw config.Problem("data.concat_sampling_probabilities",
                $"{shown}: each value must be greater than 0 (value {bad[0].i + 1} is {bad[0].p.ToString("R", CultureInfo.InvariantCulture)}); drop a file rather than give it 0");
        var sum = probabilities.Sum();
        if (Math.Abs(sum - 1.0) > SumTolerance)
            throw config.Problem("data.concat_sampling_probabilities",
                $"{shown} sums to {sum.ToString("R", CultureInfo.InvariantCulture)}; the values must sum to 1 (within {SumTolerance.ToString("R", CultureInfo.InvariantCulture)})");
        for (var i = 0; i < files.Count; i++)
            if (string.IsNullOrWhiteSpace(files[i])) throw config.Problem("data.train_files", $"entry {i + 1} is empty");
        if (files.Distinct(StringComparer.Ordinal).Count() != files.Count)
            throw config.Problem("data.train_files", $"[{string.Join(", ", files)}] names a file twice; give each once and raise its probability instead");
    }

    /// <summary>Throws <see cref="ConfigException"/> naming the first configured file whose tokens are not on this machine.</summary>
    public static void CheckFilesExist(PipelineConfig config, string baseDirectory)
    {
        foreach (var name in config.Data.TrainFiles.Where(f => f != OwnSplit && !string.IsNullOrWhiteSpace(f)))
        {
            var tokens = TokensPathOf(Path.GetFullPath(Path.Combine(baseDirectory, name)));
            if (!File.Exists(tokens))
                throw config.Problem("data.train_files", $"'{name}': {tokens} does not exist; give a prepared folder, a *.tokens.jsonl file, or 'prepare'");
        }
    }

    /// <summary>The configured files resolved against <paramref name="baseDirectory"/> (empty when the key is not set).</summary>
    public static IReadOnlyList<TrainingFile> Resolve(DataOptions data, string baseDirectory) =>
        data.TrainFiles.Select((name, i) => new TrainingFile(name,
            name == OwnSplit ? null : TokensPathOf(Path.GetFullPath(Path.Combine(baseDirectory, name))),
            data.ConcatSamplingProbabilities[i])).ToList();

    /// <summary>The token file a configured path stands for: a folder's <c>train.tokens.jsonl</c>, a <c>*.tokens.jsonl</c> itself,
    /// or the <c>*.tokens.jsonl</c> beside a split <c>*.jsonl</c>.</summary>
    private static string TokensPathOf(string full)
    {
        if (Directory.Exists(full)) return Path.Combine(full, ArtifactNames.TrainTokens);
        if (full.EndsWith(".tokens.jsonl", StringComparison.Ordinal)) return full;
        return full.EndsWith(".jsonl", StringComparison.Ordinal) ? full[..^".jsonl".Length] + ".tokens.jsonl" : full;
    }

    /// <summary>The split records (<c>*.jsonl</c>, text) beside a token file (<c>*.tokens.jsonl</c>).</summary>
    public static string RecordsPathOf(string tokensPath) =>
        tokensPath.EndsWith(".tokens.jsonl", StringComparison.Ordinal) ? tokensPath[..^".tokens.jsonl".Length] + ".jsonl" : tokensPath;

    /// <summary>Reads each file's examples (this run's split from <paramref name="prepareDirectory"/> for <c>prepare</c>).</summary>
    public static List<List<TokenRecord>> Load(IReadOnlyList<TrainingFile> files, string prepareDirectory) =>
        files.Select(f =>
        {
            var rows = SplitFiles.ReadLines<TokenRecord>(f.TokensPath ?? Path.Combine(prepareDirectory, SplitFiles.TokensFile(Split.Train)));
            if (rows.Count == 0) throw new InvalidDataException($"data.train_files '{f.Name}' holds no examples");
            if (rows.Any(r => r.InputIds is null || r.InputIds.Count == 0 || r.LabelStart <= 0 || r.LabelStart >= r.InputIds.Count))
                throw new InvalidDataException($"data.train_files '{f.Name}': a line is not a tokenized example (input_ids, label_start); give a *.tokens.jsonl Prepare wrote");
            return rows;
        }).ToList();
}
