using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LoraPipeline.Benchmarking;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench packing</c>: on the shipped dataset (prepared by this CLI's own download, convert and prepare stages
/// from <c>configs/default.yaml</c>, at each <c>data.max_seq_length</c>), prints the padding share and training
/// tokens/s unpacked and packed, side by side in one process, on the ~125M random model of <c>lora bench train</c>
/// (float32, LoRA on all seven projections). tokens/s counts non-padding tokens only, so padding costs throughput.
/// </summary>
internal static class PackingBenchCommand
{
    private const int Seed = 11;

    public static Command Create()
    {
        Option<int> Int(string name, int value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var lengths = new Option<string>("--seq-lens") { Description = "data.max_seq_length values, comma-separated", DefaultValueFactory = _ => "384,1024" };
        var globalBatch = Int("--global-batch", 8, "examples per optimizer step");
        var microBatch = Int("--micro-batch", 4, "examples (unpacked) or rows (packed) per forward pass (default: the default config's train.micro_batch_size)");
        var steps = Int("--steps", 3, "timed steps per setting and round");
        var rounds = Int("--rounds", 3, "rounds; each times both settings back to back on the same steps' examples, so load changes hit both");
        var warmup = Int("--warmup", 1, "warm-up steps per setting (not timed)");
        var layers = Int("--layers", 12, "decoder layers of the random model");
        var threads = Int("--threads", 0, "intra-op threads (0: libtorch's default); with 1, tokens per CPU-second is unaffected by other processes' load");
        var config = new Option<string?>("--config") { Description = "pipeline config whose dataset is prepared (default: configs/default.yaml above the current folder)" };
        var command = new Command("packing", "padding share and training tokens/s, unpacked vs packed, on the shipped dataset");
        foreach (var option in new Option[] { lengths, globalBatch, microBatch, steps, rounds, warmup, layers, threads, config }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var configPath = parse.GetValue(config) ?? RepositoryFile.FindAbove(Path.Combine("configs", "default.yaml"));
            if (configPath is null || !File.Exists(configPath))
            {
                CliErrors.Write("bench packing: no configs/default.yaml above the current folder; run from the repository or pass --config");
                return ExitCodes.ConfigError;
            }
            var rowLengths = new List<int>();
            foreach (var text in parse.GetValue(lengths)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var length) || length < 16)
                {
                    CliErrors.Write($"bench packing: --seq-lens: '{text}' is not a sequence length of at least 16 tokens");
                    return ExitCodes.ConfigError;
                }
                rowLengths.Add(length);
            }
            int g = Math.Max(1, parse.GetValue(globalBatch)), m = Math.Max(1, parse.GetValue(microBatch));
            if (parse.GetValue(threads) is > 0 and var count) set_num_threads(count);
            Console.WriteLine($"libtorch {__version__}, {get_num_threads()} threads; {g} examples per step, {m} per forward pass (rows when packed); " +
                              $"{parse.GetValue(warmup)} warm-up + {parse.GetValue(steps)} timed steps each");
            foreach (var length in rowLengths)
            {
                var records = Prepare(configPath, length);
                if (records is null) return ExitCodes.Failed;
                var unpackedPadding = PackingComparison.UnpackedPaddingShare(records, g, m);
                var shape = new TrainBenchShape(parse.GetValue(layers), 768, 12, 4, 2048, Math.Max(32000, records.Max(r => r.InputIds.Max()) + 1),
                    length, m, ScalarType.Float32, 16, 32, 0.05, "all");
                var (unpacked, packed) = Interleaved(shape, records, g, length, parse.GetValue(warmup), Math.Max(1, parse.GetValue(steps)),
                    Math.Max(1, parse.GetValue(rounds)));
                var ratios = unpacked.Wall.Zip(packed.Wall, (u, p) => p / u).ToList();
                var cpuRatios = unpacked.Cpu.Zip(packed.Cpu, (u, p) => p / u).ToList();
                // If time is proportional to the row positions processed, packing can gain only the padding it removes.
                var paddingOnly = 1 / (1 - unpackedPadding);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"max_seq_length {length}: {records.Count} train examples, mean {records.Average(r => r.InputIds.Count):0} tokens; padding share unpacked " +
                    $"{unpackedPadding:P1}, packed 0 % (one unpadded row per forward pass); tokens/s unpacked {Statistics.Median(unpacked.Wall):0.0}, packed {Statistics.Median(packed.Wall):0.0}, " +
                    $"packed/unpacked {Statistics.Median(ratios):0.00} (goal >= 1.2; padding alone allows {paddingOnly:0.00})"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {ratios.Count} rounds, min/median: tokens/s unpacked {unpacked.Wall.Min():0.0}/{Statistics.Median(unpacked.Wall):0.0}, " +
                    $"packed {packed.Wall.Min():0.0}/{Statistics.Median(packed.Wall):0.0}, packed/unpacked {ratios.Min():0.00}/{Statistics.Median(ratios):0.00}; " +
                    $"per CPU-second unpacked {Statistics.Median(unpacked.Cpu):0.0}, packed {Statistics.Median(packed.Cpu):0.0}, packed/unpacked {cpuRatios.Min():0.00}/{Statistics.Median(cpuRatios):0.00}"));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    // Non-padding tokens per wall-clock second and per CPU-second of this process, one value per round for each setting;
    // both sessions step through the same examples, one after the other in each round, so load changes hit both.
    private static (Rates Unpacked, Rates Packed) Interleaved(TrainBenchShape shape, IReadOnlyList<TokenRecord> records, int globalBatch,
        int packLength, int warmup, int steps, int rounds)
    {
        using var unpacked = new TrainBenchSession(shape, Seed, new TrainBenchRun(PackLength: 0, Records: records, GlobalBatch: globalBatch));
        using var packed = new TrainBenchSession(shape, Seed, new TrainBenchRun(PackLength: packLength, Records: records, GlobalBatch: globalBatch));
        unpacked.Run(warmup);
        packed.Run(warmup);
        var (u, p) = (new Rates([], []), new Rates([], []));
        for (var round = 0; round < rounds; round++)
        {
            u.Measure(unpacked, steps);
            p.Measure(packed, steps);
        }
        return (u, p);
    }

    private sealed record Rates(List<double> Wall, List<double> Cpu)
    {
        public void Measure(TrainBenchSession session, int steps)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (tokens, seconds, _) = session.Run(steps);
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            Wall.Add(tokens / seconds);
            Cpu.Add(tokens / cpuSeconds);
        }
    }

    // The train split's token records at this max_seq_length, from the CLI's own stages in a temporary artifacts folder.
    private static List<TokenRecord>? Prepare(string configPath, int length)
    {
        var artifacts = Path.Combine(Path.GetTempPath(), $"lora-bench-packing-{Environment.ProcessId}-{length}");
        try
        {
            foreach (var stage in new[] { "download", "convert", "prepare" })
            {
                var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in new[] { typeof(PackingBenchCommand).Assembly.Location, stage, "--config", configPath, "--artifacts", artifacts,
                             "--set", $"data.max_seq_length={length}" })
                    start.ArgumentList.Add(arg);
                using var process = Process.Start(start)!;
                var error = process.StandardError.ReadToEndAsync();
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    CliErrors.Write($"bench packing: {stage} at max_seq_length {length} failed (exit {process.ExitCode}): {output}{error.Result}");
                    return null;
                }
            }
            return SplitFiles.ReadLines<TokenRecord>(Path.Combine(artifacts, "prepare", SplitFiles.TokensFile(Split.Train)));
        }
        finally
        {
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }
}
