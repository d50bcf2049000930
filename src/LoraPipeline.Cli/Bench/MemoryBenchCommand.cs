using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LoraPipeline.Checkpoints;
using LoraPipeline.Diagnostics;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench memory</c>: checks the sizing estimates against measurement. For several small random models it
/// runs, each in a fresh child process, a prefill of N tokens into a KV cache and compares the estimate
/// (<see cref="InferenceEstimate.PrefillProcessBytes"/>) with the measured peak resident increase over the
/// process's baseline (libtorch loaded); exits 1 when a ratio is outside 0.8–1.25.
/// Training steps: the hook is <c>--training</c>, which needs the LoRA layers (<c>Lora/</c>) and says so until they land;
/// its estimate is <see cref="TrainingEstimate"/>.
/// </summary>
internal static class MemoryBenchCommand
{
    private const double Low = 0.8, High = 1.25;

    /// <summary>hidden, layers, heads, kv heads, intermediate, vocab, dtype, batch, tokens.</summary>
    private static readonly string[] Cases =
    [
        "512,4,8,8,1376,16384,f32,1,256",
        "768,6,12,4,2048,8192,f32,2,256",
        "1024,4,16,4,2816,32000,f32,1,512",
        "768,6,12,4,2048,8192,bf16,4,128",
    ];

    public static Command Create()
    {
        var child = new Option<string?>("--case") { Description = "measure one case in this process (used by the child processes)" };
        var training = new Option<bool>("--training") { Description = "measure a training step (needs the LoRA layers)" };
        var command = new Command("memory", "estimate / measured peak resident memory of inference steps on small random models");
        command.Options.Add(child);
        command.Options.Add(training);
        command.SetAction(parse =>
        {
            if (parse.GetValue(training))
            {
                CliErrors.Write("bench memory --training: a training step needs the LoRA layers (src/LoraPipeline.Core/Lora/), which have not landed; " +
                                "the estimate to compare with is Sizing.TrainingEstimate (see Sizing/ActivationModel.cs)");
                return ExitCodes.NotImplemented;
            }
            return parse.GetValue(child) is { } one ? Measure(one) : Run();
        });
        return command;
    }

    private static int Run()
    {
        Console.WriteLine("case (hidden,layers,heads,kv,intermediate,vocab,dtype,batch,tokens) | estimate MiB | measured MiB | estimate/measured");
        var ok = true;
        foreach (var spec in Cases)
        {
            // A fresh process per case, so that memory freed by an earlier case cannot be reused by the next.
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var arg in new[] { typeof(MemoryBenchCommand).Assembly.Location, "bench", "memory", "--case", spec })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal));
            if (process.ExitCode != 0 || line is null)
            {
                CliErrors.Write($"bench memory: case {spec} failed (exit {process.ExitCode}): {output}");
                return ExitCodes.Failed;
            }
            var parts = line.Split(' ');
            double estimate = double.Parse(parts[1], CultureInfo.InvariantCulture), measured = double.Parse(parts[2], CultureInfo.InvariantCulture);
            var ratio = estimate / measured;
            var inside = ratio is >= Low and <= High;
            ok &= inside;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec} | {estimate / 1048576:0.0} | {measured / 1048576:0.0} | {ratio:0.000}{(inside ? "" : $"  OUTSIDE {Low}-{High}")}"));
        }
        Console.WriteLine(ok ? $"all ratios within {Low}-{High}" : $"some ratios outside {Low}-{High}");
        return ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    // Loads libtorch and initialises the kernels (thread pools, BLAS buffers) of every operation of a forward pass
    // with a tiny model of the same kind, so that the baseline includes them and the measurement is the model's own.
    private static void WarmUp(ModelConfig tiny, ScalarType dtype)
    {
        using (var model = LlamaModel.CreateRandom(tiny, seed: 2, dtype, CPU))
        using (no_grad())
        using (var scope = NewDisposeScope())
        using (var cache = model.NewCache(8))
            model.LastLogits(randint(0, tiny.VocabSize, [1, 8], ScalarType.Int64), null, cache);
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private static int Measure(string spec)
    {
        var f = spec.Split(',');
        int I(int k) => int.Parse(f[k], CultureInfo.InvariantCulture);
        var config = new ModelConfig
        {
            Architecture = ModelArchitecture.Llama,
            ArchitectureName = "LlamaForCausalLM",
            HiddenSize = I(0),
            NumHiddenLayers = I(1),
            NumAttentionHeads = I(2),
            NumKeyValueHeads = I(3),
            HeadDim = I(0) / I(2),
            IntermediateSize = I(4),
            VocabSize = I(5),
            RmsNormEps = 1e-5,
            RopeTheta = 10000,
            MaxPositionEmbeddings = 4096,
            TieWordEmbeddings = false,
            QkvBias = false,
            OutputBias = false,
            MlpBias = false,
        };
        var dtype = ModelArguments.ParseDtype(f[6]);
        int batch = I(7), tokens = I(8);
        var elementBytes = dtype == ScalarType.BFloat16 ? 2 : 4;

        WarmUp(config with { HiddenSize = 8 * config.NumAttentionHeads, NumHiddenLayers = 1, HeadDim = 8, IntermediateSize = 128, VocabSize = 256 }, dtype);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ProcessMemory.ResidentBytes() ?? 0;
        ProcessMemory.ResetPeak();
        using var model = LlamaModel.CreateRandom(config, seed: 1, dtype, CPU);
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var ids = randint(0, config.VocabSize, [batch, tokens], ScalarType.Int64);
            using var cache = model.NewCache(tokens);
            model.LastLogits(ids, null, cache);
            var peak = ProcessMemory.PeakResidentBytes() ?? 0;
            var estimate = InferenceEstimate.PrefillProcessBytes(config, elementBytes, batch, tokens);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {estimate} {peak - before}"));
        }
        return ExitCodes.Ok;
    }
}
