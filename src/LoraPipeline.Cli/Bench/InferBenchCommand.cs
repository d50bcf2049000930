using System.CommandLine;
using System.Globalization;
using LoraPipeline.Benchmarking;
using LoraPipeline.Modeling;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench infer --model DIR [--batch-sizes 1,2,4,8,16] [--prompt-lengths 128,1024] [--new-tokens N] [--dtype f32|bf16] [--out DIR]</c>:
/// time to first token, per-token latency and throughput by batch size and prompt length; writes
/// <c>bench.json</c> and <c>latency-throughput.png</c> into --out (default <c>bench</c>).
/// </summary>
internal static class InferBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "model folder", Required = true };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "comma-separated batch sizes", DefaultValueFactory = _ => "1,2,4,8,16" };
        var promptLengths = new Option<string>("--prompt-lengths") { Description = "comma-separated prompt lengths in tokens", DefaultValueFactory = _ => "128,1024" };
        var newTokens = new Option<int>("--new-tokens") { Description = "tokens generated per sequence", DefaultValueFactory = _ => BenchGrid.Full.NewTokens };
        var dtype = new Option<string>("--dtype") { Description = "compute dtype: f32 or bf16", DefaultValueFactory = _ => "bf16" };
        var output = new Option<string>("--out") { Description = "folder for bench.json and latency-throughput.png", DefaultValueFactory = _ => "bench" };
        var command = new Command("infer", "time to first token, per-token latency and tokens/s by batch size and prompt length");
        foreach (var option in new Option[] { model, batchSizes, promptLengths, newTokens, dtype, output }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var grid = new BenchGrid(List(parse.GetValue(batchSizes)!, "--batch-sizes"), List(parse.GetValue(promptLengths)!, "--prompt-lengths"),
                parse.GetValue(newTokens));
            grid.Validate();
            var folder = parse.GetValue(model)!;
            if (!Directory.Exists(folder)) throw new ArgumentException($"--model: folder '{folder}' not found");
            var computeType = ModelArguments.ParseDtype(parse.GetValue(dtype)!);
            using var network = LlamaModel.Load(folder, computeType, CPU);
            var device = $"CPU ({get_num_threads()} threads, {computeType})";
            Console.WriteLine($"model: {folder} (hidden {network.Config.HiddenSize}, {network.Config.NumHiddenLayers} layers), {device}");
            var points = InferenceBenchmark.Run(network, grid,
                p => Console.Error.WriteLine($"prompt {p.PromptLength}, batch {p.BatchSize}: done"));
            BenchReport.Print(AnsiConsole.Console, points);
            var target = Path.GetFullPath(parse.GetValue(output)!);
            BenchReport.Write(target, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), points, device);
            Console.WriteLine($"wrote {Path.Combine(target, "bench.json")} and latency-throughput.png");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static int[] List(string text, string name) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name}: '{s}' is not a positive integer"))
            .ToArray();
}
