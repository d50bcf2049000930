using System.CommandLine;
using LoraPipeline.Benchmarking;
using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary><c>lora bench kv</c>: per-token decoding time early and late in a long generation, with and without the KV cache.</summary>
internal static class KvBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "model folder (default: a random 4-layer model built in memory)" };
        var dtype = new Option<string>("--dtype") { Description = "compute dtype: f32 or bf16", DefaultValueFactory = _ => "f32" };
        var tokens = new Option<int>("--tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 256 };
        var skipRecompute = new Option<bool>("--no-recompute") { Description = "skip the run without a cache" };
        var command = new Command("kv", "time KV-cache decoding (flat per-token cost) against full recomputation");
        foreach (var option in new Option[] { model, dtype, tokens, skipRecompute }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var computeType = ModelArguments.ParseDtype(parse.GetValue(dtype)!);
            var folder = parse.GetValue(model);
            using var network = folder is null
                ? LlamaForCausalLM.CreateRandom(BenchConfig(), seed: 1, computeType, CPU)
                : LlamaForCausalLM.Load(folder, computeType, CPU);
            var config = network.Config;
            Console.WriteLine($"model: {folder ?? "random"} (hidden {config.HiddenSize}, {config.NumHiddenLayers} layers, vocab {config.VocabSize}), {computeType}, {get_num_threads()} threads");
            int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8];
            var count = parse.GetValue(tokens);
            GenerationTiming.Measure(network, prompt, Math.Min(count, 40), useCache: true); // warm-up
            Console.WriteLine(GenerationTiming.Measure(network, prompt, count, useCache: true));
            if (!parse.GetValue(skipRecompute))
                Console.WriteLine(GenerationTiming.Measure(network, prompt, count, useCache: false));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static ModelConfig BenchConfig() => ModelConfigs.Llama(hidden: 256, layers: 4, heads: 8, kvHeads: 4, intermediate: 688, vocab: 2048);
}
