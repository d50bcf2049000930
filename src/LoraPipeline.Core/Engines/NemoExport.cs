using System.Text;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;
using LoraPipeline.Sizing;

namespace LoraPipeline.Engines;

/// <summary>
/// <c>lora export nemo</c>: the prepared splits in NeMo's SFT JSONL (<c>input</c>, <c>output</c>) and the
/// <c>megatron_gpt_finetuning.py</c> command whose overrides come from our config through <see cref="NemoOverrides"/>,
/// with the GPU layout (tensor-parallel degree) from the Plan.
/// </summary>
internal static class NemoExport
{
    /// <summary>The recipe inside a NeMo 1.x checkout or container (<c>nvcr.io/nvidia/nemo</c> puts NeMo in /opt/NeMo).</summary>
    public const string Recipe = "examples/nlp/language_modeling/tuning/megatron_gpt_finetuning.py";

    /// <summary>The split files written, in NeMo's dataset roles.</summary>
    public static readonly IReadOnlyList<(Split Split, string File)> SplitFileNames =
        [(Split.Train, "train.jsonl"), (Split.Valid, "validation.jsonl"), (Split.Test, "test.jsonl")];

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The command file written beside the splits.</summary>
    public const string CommandFile = "run_nemo.sh";

    /// <summary>
    /// The GPU layout for <paramref name="gpu"/>: the Plan's fewest tensor-parallel GPUs that fit training with the configured
    /// recomputation, pipeline parallelism 1, <paramref name="devices"/> (default: that degree) per node; throws
    /// <see cref="ArgumentException"/> naming what does not fit or divide.
    /// </summary>
    public static (int Devices, int TensorParallel) Layout(PipelineConfig config, HardwarePlan plan, string gpu, int? devices, int nodes)
    {
        var answer = plan.Devices.FirstOrDefault(d => d.IsGpu && string.Equals(d.Device, gpu, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"--gpu '{gpu}' is not in the Plan's catalogue; use one of {string.Join(", ", plan.Devices.Where(d => d.IsGpu).Select(d => $"'{d.Device}'"))}");
        var tp = config.Train.ActivationCheckpointing switch
        {
            ActivationCheckpointing.None => answer.TrainGpus,
            ActivationCheckpointing.Selective => answer.TrainGpusSelective,
            _ => answer.TrainGpusFull,
        } ?? throw new ArgumentException($"training {plan.Model} does not fit 8 x {answer.Device} by the Plan even with tensor parallelism; " +
            "choose a larger --gpu or set train.activation_checkpointing=full");
        var perNode = devices ?? tp;
        if (perNode < 1 || perNode % tp != 0)
            throw new ArgumentException($"--devices {perNode}: must be a multiple of the tensor-parallel degree {tp} the Plan needs on {answer.Device}");
        var dataParallel = perNode * nodes / tp;
        if (config.Train.GlobalBatchSize % (config.Train.MicroBatchSize * dataParallel) != 0)
            throw new ArgumentException($"train.global_batch_size {config.Train.GlobalBatchSize} must be a multiple of train.micro_batch_size " +
                $"{config.Train.MicroBatchSize} x {dataParallel} data-parallel replicas ({perNode} GPUs x {nodes} nodes / TP {tp}) for NeMo");
        return (perNode, tp);
    }

    /// <summary>Every override the table exports for <paramref name="config"/> and <paramref name="launch"/>, in table order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Overrides(PipelineConfig config, NemoLaunch launch) =>
        NemoOverrides.Entries
            .Where(e => e.Export is not null)
            .Select(e => KeyValuePair.Create(e.Name, e.Export!(config, launch)))
            .Where(p => p.Value is not null)
            .Select(p => KeyValuePair.Create(p.Key, p.Value!))
            .ToList();

    /// <summary>The launch command, one override per line (a shell continuation after each).</summary>
    public static string Command(IReadOnlyList<KeyValuePair<string, string>> overrides, NemoLaunch launch, string nemoDirectory)
    {
        var lines = new List<string>
        {
            $"torchrun --nproc_per_node={launch.Devices} --nnodes={launch.Nodes} {ShellWord(nemoDirectory.TrimEnd('/') + "/" + Recipe)}",
        };
        lines.AddRange(overrides.Select(o => "  " + ShellWord($"{o.Key}={o.Value}")));
        return string.Join(" \\\n", lines) + "\n";
    }

    /// <summary>One training file of the export: the NeMo file name, the split records it is written from (null: Prepare's
    /// train split) and its <c>concat_sampling_probabilities</c> share.</summary>
    /// <param name="File">File name in the export folder.</param>
    /// <param name="RecordsPath">Our split <c>*.jsonl</c> it comes from, or null for Prepare's train split.</param>
    /// <param name="Probability">Its share.</param>
    public sealed record TrainPart(string File, string? RecordsPath, double Probability);

    /// <summary>The training files NeMo mixes: Prepare's train split alone, or each of <c>data.train_files</c> with its share.</summary>
    public static IReadOnlyList<TrainPart> TrainParts(PipelineConfig config, string baseDirectory)
    {
        var files = Training.TrainingFiles.Resolve(config.Data, baseDirectory);
        if (files.Count == 0) return [new TrainPart(SplitFileNames[0].File, null, 1.0)];
        // The text records sit beside the tokens Prepare wrote (train.jsonl beside train.tokens.jsonl).
        return files.Select((f, i) => new TrainPart(f.TokensPath is null ? SplitFileNames[0].File : $"train_{i + 1}.jsonl",
            f.TokensPath is null ? null : Training.TrainingFiles.RecordsPathOf(f.TokensPath), f.Probability)).ToList();
    }

    /// <summary>Writes the splits (<c>input</c>, <c>output</c> exactly as our trainer sees them) into <paramref name="directory"/>:
    /// the training files of <paramref name="trainParts"/> (default: Prepare's train split), validation and test.</summary>
    public static void WriteSplits(string prepareDirectory, string directory, IReadOnlyList<TrainPart>? trainParts = null)
    {
        var format = PromptFormatRecord.Read(prepareDirectory);
        var template = PromptTemplate.FromRecord(format, []);
        var sources = (trainParts ?? [new TrainPart(SplitFileNames[0].File, null, 1.0)])
            .Select(p => (p.File, Path: p.RecordsPath ?? Path.Combine(prepareDirectory, SplitFiles.RecordsFile(Split.Train))))
            .Concat(SplitFileNames.Skip(1).Select(s => (s.File, Path: Path.Combine(prepareDirectory, SplitFiles.RecordsFile(s.Split)))));
        foreach (var (file, path) in sources)
        {
            if (!File.Exists(path)) throw new StageException($"export nemo: {path} is missing; a data.train_files entry needs its split records (*.jsonl) beside its *.tokens.jsonl");
            var records = SplitFiles.ReadLines<SplitRecord>(path);
            // The answer as our encoder renders it, so NeMo's '{input}{output}' is the text we train on.
            AtomicFile.WriteAllText(Path.Combine(directory, file), string.Concat(records.Select(r =>
                JsonSerializer.Serialize(new Dictionary<string, string> { ["input"] = r.Input, ["output"] = template.RenderAnswer(r.Output) }, Json) + "\n")));
        }
    }

    /// <summary>The script: the model variable checked, then the command.</summary>
    public static string Script(string command, string note) =>
        new StringBuilder()
            .Append("#!/usr/bin/env bash\n")
            .Append("# Written by lora export nemo. ").Append(note).Append('\n')
            .Append("set -euo pipefail\n")
            .Append(": \"${NEMO_MODEL:?set NEMO_MODEL to the .nemo checkpoint of the base model (NeMo's scripts/checkpoint_converters/convert_<arch>_hf_to_nemo.py makes it from the Hugging Face checkpoint)}\"\n")
            .Append(command)
            .ToString();

    // Double quotes where the shell would split or glob; ${NEMO_MODEL} stays expandable.
    private static string ShellWord(string word) =>
        word.Any(c => char.IsWhiteSpace(c) || c is '[' or ']' or '*' or '?' or '\'' or '{' or '}' or '(' or ')' or ';' or '&' or '|' or '<' or '>')
            ? "\"" + word.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("`", "\\`") + "\""
            : word;
}
