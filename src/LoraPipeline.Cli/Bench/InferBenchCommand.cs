using System.CommandLine;
using System.Globalization;
using LoraPipeline.Benchmarking;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using Spectre.Console;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench infer --model DIR [--adapter DIR] [--merged] [--batch-sizes 1,2,4,8,16] [--prompt-lengths 128,1024]
/// [--new-tokens N] [--dtype f32|bf16] [--out DIR]</c>: time to first token, per-token latency and throughput by batch
/// size and prompt length, for the base model, or base + a PEFT adapter unmerged, and with <c>--merged</c> also merged
/// in the same run (as the Benchmark stage does); writes <c>bench.json</c> and <c>latency-throughput.png</c> into
/// --out (default <c>bench</c>).
/// </summary>
internal static class InferBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "model folder", Required = true };
        var adapterOption = new Option<string?>("--adapter") { Description = "PEFT adapter folder: benchmark base + adapter (unmerged)" };
        var mergedOption = new Option<bool>("--merged") { Description = "with --adapter: also benchmark the adapter merged into the weights, in the same run" };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "comma-separated batch sizes", DefaultValueFactory = _ => "1,2,4,8,16" };
        var promptLengths = new Option<string>("--prompt-lengths") { Description = "comma-separated prompt lengths in tokens", DefaultValueFactory = _ => "128,1024" };
        var newTokens = new Option<int>("--new-tokens") { Description = "tokens generated per sequence", DefaultValueFactory = _ => BenchGrid.Full.NewTokens };
        var dtype = new Option<string>("--dtype") { Description = "compute dtype: f32 or bf16", DefaultValueFactory = _ => "bf16" };
        var output = new Option<string>("--out") { Description = "folder for bench.json and latency-throughput.png", DefaultValueFactory = _ => "bench" };
        var command = new Command("infer", "time to first token, per-token latency and tokens/s by batch size and prompt length");
        foreach (var option in new Option[] { model, adapterOption, mergedOption, batchSizes, promptLengths, newTokens, dtype, output }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var grid = new BenchGrid(List(parse.GetValue(batchSizes)!, "--batch-sizes"), List(parse.GetValue(promptLengths)!, "--prompt-lengths"),
                parse.GetValue(newTokens));
            grid.Validate();
            var folder = parse.GetValue(model)!;
            if (!Directory.Exists(folder)) throw new ArgumentException($"--model: folder '{folder}' not found");
            var adapterFolder = parse.GetValue(adapterOption);
            if (adapterFolder is not null && !Directory.Exists(adapterFolder)) throw new ArgumentException($"--adapter: folder '{adapterFolder}' not found");
            if (parse.GetValue(mergedOption) && adapterFolder is null) throw new ArgumentException("--merged needs --adapter");
            if (parse.GetValue(mergedOption) && LoadedAdapter.IsPTuning(adapterFolder!))
                throw new LoraException(MergedCheckpointWriter.MergeRefusal(adapterFolder!));
            var computeType = ModelArguments.ParseDtype(parse.GetValue(dtype)!);
            using var network = LlamaForCausalLM.Load(folder, computeType, CPU);
            var adapter = adapterFolder is null ? null : LoadedAdapter.Apply(network, adapterFolder);
            var device = $"CPU ({get_num_threads()} threads, {computeType})";
            Console.WriteLine($"model: {folder} (hidden {network.Config.HiddenSize}, {network.Config.NumHiddenLayers} layers)" +
                              $"{(adapterFolder is null ? "" : $", adapter {adapterFolder} ({adapter!.Description})")}, {device}");
            var series = AdapterVariants.Run(network, adapter, parse.GetValue(mergedOption), grid,
                (name, p) => Console.Error.WriteLine($"{name}: prompt {p.PromptLength}, batch {p.BatchSize}: done"));
            BenchReport.Print(AnsiConsole.Console, series);
            var target = Path.GetFullPath(parse.GetValue(output)!);
            BenchReport.Write(target, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))),
                adapterFolder is null ? null : Path.GetFullPath(adapterFolder), series, device);
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
