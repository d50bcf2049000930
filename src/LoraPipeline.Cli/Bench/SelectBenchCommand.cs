using System.CommandLine;
using System.Globalization;
using LoraPipeline.Benchmarking;
using LoraPipeline.Selection;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench select [--batch-sizes 1,4] [--prompt-tokens 64] [--new-tokens 48] [--runs 5]</c>: the serving roofline
/// of <c>lora select</c> checked on this machine — estimate / measured per-token latency for the tiny and ~125M models —
/// then the Llama 2 70B on 8 × H200 estimate beside the whitepaper's MLPerf figure.
/// </summary>
internal static class SelectBenchCommand
{
    public static Command Create()
    {
        var batches = new Option<string>("--batch-sizes") { Description = "comma-separated batch sizes", DefaultValueFactory = _ => "1,4" };
        var prompt = new Option<int>("--prompt-tokens") { Description = "prompt tokens", DefaultValueFactory = _ => 64 };
        var answer = new Option<int>("--new-tokens") { Description = "tokens generated per run", DefaultValueFactory = _ => 48 };
        var runs = new Option<int>("--runs") { Description = "timed runs per point (min and median are printed)", DefaultValueFactory = _ => 5 };
        var command = new Command("select", "check the serving roofline of lora select against measured decoding here; 70B on 8 x H200 vs MLPerf");
        foreach (var option in new Option[] { batches, prompt, answer, runs }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var sizes = parse.GetValue(batches)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--batch-sizes: '{s}' is not a positive integer"))
                .ToArray();
            if (parse.GetValue(runs) < 1) throw new ArgumentException("--runs must be at least 1");
            var (profile, checks) = RooflineValidation.Run(sizes, parse.GetValue(prompt), parse.GetValue(answer), parse.GetValue(runs), Console.Error.WriteLine);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"this machine ({get_num_threads()} threads, float32): matmul f32 {profile.F32Flops / 1e9:0.0} GFLOP/s, bf16 {profile.Bf16Flops / 1e9:0.0} GFLOP/s");
            foreach (var (batch, c) in profile.ByBatch!)
                Console.WriteLine($"  batch {batch}: linear layer streams weights at {c.BandwidthBytesPerSecond / 1e9:0.0} GB/s; decode overhead " +
                                  $"{c.LayerOverheadSeconds * 1e6:0} us per layer + {c.StepOverheadSeconds * 1e6:0} us per step (1- and 3-layer models of hidden 64); by input width: " +
                                  string.Join(", ", (c.BandwidthByInFeatures ?? new Dictionary<int, double>()).Select(w => $"{w.Key}: {w.Value / 1e9:0.0} GB/s")));
            var table = new Table().AddColumns("model", "batch", "estimate ms/token", "measured median", "measured min", "estimate / measured", "bound",
                "estimate tokens/s", "measured tokens/s", "estimate / measured");
            foreach (var c in checks)
                table.AddRow(Markup.Escape(c.Model), c.Batch.ToString(inv), c.EstimatedTokenMs.ToString("0.000", inv), c.MeasuredTokenMs.ToString("0.000", inv),
                    c.MeasuredMinTokenMs.ToString("0.000", inv), c.Ratio.ToString("0.00", inv), c.Bound,
                    c.EstimatedTokensPerSecond.ToString("0.0", inv), c.MeasuredTokensPerSecond.ToString("0.0", inv), c.ThroughputRatio.ToString("0.00", inv));
            AnsiConsole.Write(table);
            MlperfComparison.Print(Console.Out);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
