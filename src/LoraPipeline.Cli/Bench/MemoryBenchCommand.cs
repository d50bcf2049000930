using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LoraPipeline.Benchmarking;
using LoraPipeline.Configuration;
using LoraPipeline.Sizing;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench memory [--training]</c>: checks the sizing estimates against measurement. For several small random
/// models it runs each case in a fresh child process and compares the estimate with the measured peak resident
/// increase over the process's warmed-up baseline; exits 1 when a ratio is outside 0.8–1.25. The children run with
/// glibc's mmap threshold fixed (<see cref="GlibcMmapThreshold"/>), so that resident memory follows the live tensors,
/// which is what the estimates (and a GPU's caching allocator) count.
/// Without <c>--training</c>: a prefill into a KV cache (<see cref="InferenceEstimate.PrefillProcessBytes"/>).
/// With it: LoRA training steps, bf16 and f32 frozen bases, each recomputation mode and the chunked loss
/// (<see cref="TrainingEstimate.StepProcessBytes"/>), then measured activations by mode side by side
/// (<see cref="RecomputationSummary"/>). With <c>--quantize nf4</c> every training case runs QLoRA on a 4-bit base loaded
/// from an NF4 checkpoint, and the frozen weights' measured bytes per parameter are printed beside the estimate.
/// </summary>
internal static class MemoryBenchCommand
{
    private const double Low = 0.8, High = 1.25;

    /// <summary>hidden, layers, heads, kv heads, intermediate, vocab, dtype, batch, tokens.</summary>
    private static readonly string[] InferenceCases =
    [
        "512,4,8,8,1376,16384,f32,1,256",
        "768,6,12,4,2048,8192,f32,2,256",
        "1024,4,16,4,2816,32000,f32,1,512",
        "768,6,12,4,2048,8192,bf16,4,128",
    ];

    /// <summary>
    /// hidden, layers, heads, kv heads, intermediate, vocab, dtype, batch, seq, answer tokens, rank[, recomputation,
    /// LM-head chunk]: small models, a few seconds each (all that <c>--quick</c> runs).
    /// </summary>
    private static readonly string[] TrainingCases =
    [
        "256,4,4,4,688,8192,f32,2,160,32,16",
        "384,3,6,2,1024,16384,bf16,2,128,64,16",
        "256,2,4,1,688,32000,bf16,1,384,192,8",
        "320,3,5,5,864,8192,f32,4,64,64,32",
        "256,4,4,2,688,8192,f32,2,192,96,16,selective,32",
        "384,4,6,2,1024,8192,f32,1,768,384,16,none,0",
        "384,4,6,2,1024,8192,f32,1,768,384,16,selective,0",
        "384,4,6,2,1024,8192,f32,1,768,384,16,full,0",
        "256,2,4,1,688,32000,f32,1,512,512,8,none,0",
        "256,2,4,1,688,32000,f32,1,512,512,8,none,128",
    ];

    /// <summary>
    /// The ~125M benchmark model (<c>lora bench train</c>'s default shape) at 2,048 tokens, about a minute each on two
    /// cores: the three recomputation modes, then the loss in one piece and in chunks for 2,048 answer tokens.
    /// </summary>
    private static readonly string[] ScaleCases =
    [
        "768,12,12,4,2048,32000,f32,1,2048,1024,16,none,0",
        "768,12,12,4,2048,32000,f32,1,2048,1024,16,selective,0",
        "768,12,12,4,2048,32000,f32,1,2048,1024,16,full,0",
        "768,12,12,4,2048,32000,f32,1,2048,2048,16,full,0",
        "768,12,12,4,2048,32000,f32,1,2048,2048,16,full,256",
    ];

    /// <summary>
    /// QLoRA shapes whose 4-bit projections are most of the model (≥ 90 % of the parameters, as in 7B–70B models), so
    /// the frozen bytes per parameter measure the quantized storage rather than the embeddings and the allocator.
    /// </summary>
    private static readonly string[] Nf4Cases =
    [
        "1024,4,8,8,4096,1024,f32,1,128,64,16,none,0,nf4",
        "1536,4,12,4,4096,1024,bf16,1,256,128,16,full,0,nf4",
    ];

    public static Command Create()
    {
        var child = new Option<string?>("--case") { Description = "measure one case in this process (used by the child processes)" };
        var training = new Option<bool>("--training") { Description = "measure LoRA training steps (forward, backward, AdamW) instead of inference" };
        var quantize = new Option<string>("--quantize") { Description = "with --training: none, or nf4 (QLoRA on a 4-bit base)", DefaultValueFactory = _ => "none" };
        var quick = new Option<bool>("--quick") { Description = "with --training: only the small models (skips the ~125M model at 2,048 tokens)" };
        var command = new Command("memory", "estimate / measured peak resident memory of inference or training steps on small random models");
        command.Options.Add(child);
        command.Options.Add(training);
        command.Options.Add(quick);
        command.Options.Add(quantize);
        command.SetAction(parse =>
        {
            var isTraining = parse.GetValue(training);
            if (parse.GetValue(child) is { } one)
                return isTraining ? TrainingMemoryCase.Measure(one) : InferenceMemoryCase.Measure(one);
            var nf4 = ModelArguments.ParseChoice<WeightQuantization>(parse.GetValue(quantize)!, "--quantize") == WeightQuantization.Nf4;
            IReadOnlyList<string> cases = parse.GetValue(quick) ? TrainingCases : [.. TrainingCases, .. ScaleCases];
            return isTraining
                ? Run("training", "case (hidden,layers,heads,kv,intermediate,vocab,dtype,batch,seq,answer,r[,recompute,chunk[,nf4]])",
                    nf4 ? [.. (parse.GetValue(quick) ? cases.Take(2) : cases).Select(Nf4Case), .. Nf4Cases] : cases, ["--training"])
                : Run("inference", "case (hidden,layers,heads,kv,intermediate,vocab,dtype,batch,tokens)", InferenceCases, []);
        });
        return command;
    }

    /// <summary>What one case's child process printed: estimate, measured and (training) the non-activation tensors, in bytes.</summary>
    internal sealed record CaseResult(double Estimate, double Measured, double? Fixed, double? Frozen = null, double? FullPrecision = null);

    // The same case on a 4-bit base: recomputation and chunk made explicit, then the nf4 field.
    private static string Nf4Case(string spec)
    {
        var fields = spec.Split(',').ToList();
        if (fields.Count < 12) fields.Add("none");
        if (fields.Count < 13) fields.Add("0");
        return string.Join(',', fields.Append("nf4"));
    }

    /// <summary>Measures one training case (see <see cref="TrainingMemoryCase"/>) in a fresh child process; null (after an error on stderr) when it fails.</summary>
    public static CaseResult? MeasureInChild(string trainingSpec) => Child(trainingSpec, ["--training"]);

    // A fresh process per case, so that memory freed by an earlier case cannot be reused by the next.
    private static CaseResult? Child(string spec, string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        start.Environment[GlibcMmapThreshold.Variable] = GlibcMmapThreshold.Value;
        foreach (var arg in new[] { typeof(MemoryBenchCommand).Assembly.Location, "bench", "memory", "--case", spec }.Concat(extra))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            CliErrors.Write($"bench memory: case {spec} failed (exit {process.ExitCode}): {output}");
            return null;
        }
        var parts = line.Split(' ').Skip(1).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToList();
        return new CaseResult(parts[0], parts[1], parts.Count >= 4 ? parts[3] : null,
            parts.Count >= 6 ? parts[4] : null, parts.Count >= 6 ? parts[5] : null);
    }

    // QLoRA: the resident increase of loading the 4-bit checkpoint, per parameter, beside the estimate.
    private static bool PrintFrozen(string spec, double frozen, double fullPrecision)
    {
        var config = new BenchModelSpec(spec).Config;
        var all = config.ParameterCount();
        var quantized = QuantizedWeights.QuantizedParameters(config);
        var perQuantized = (frozen - fullPrecision) / quantized;
        var estimate = QuantizedWeights.FrozenBytes(config, new BenchModelSpec(spec).DtypeName == "bf16" ? 2 : 4);
        var ratio = estimate / frozen;
        // On embedding-dominated toys the quantized part is a few MiB, the size of the allocator's own noise: shown, not judged.
        var judged = quantized >= 0.9 * all;
        var inside = !judged || (perQuantized <= 0.6 && ratio is >= Low and <= High);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  frozen weights measured {frozen / 1048576:0.00} MiB = {frozen / all:0.000} bytes/parameter over all {all:N0}; " +
            $"4-bit projections {perQuantized:0.0000} bytes/parameter (measured minus the {fullPrecision / 1048576:0.00} MiB of full-precision embeddings, norms and head; goal <= 0.6, " +
            $"estimate {QuantizedWeights.BytesPerParameter:0.0000}); frozen estimate/measured {ratio:0.000}  {Verdict(judged, inside, quantized / (double)all)}"));
        return inside;
    }

    private static string Verdict(bool judged, bool inside, double quantizedShare) =>
        !judged ? string.Create(CultureInfo.InvariantCulture, $"(not judged: 4-bit projections are only {100 * quantizedShare:0}% of the parameters)")
        : inside ? "(goal met)" : "OUTSIDE";

    private static int Run(string kind, string header, IReadOnlyList<string> cases, string[] extra)
    {
        Console.WriteLine($"{kind}: {header} | estimate MiB | measured MiB | estimate/measured");
        var ok = true;
        var activations = new Dictionary<string, double>(); // measured activation bytes by case
        foreach (var spec in cases)
        {
            if (Child(spec, extra) is not { } result)
                return ExitCodes.Failed;
            var ratio = result.Estimate / result.Measured;
            var inside = ratio is >= Low and <= High;
            ok &= inside;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec} | {result.Estimate / 1048576:0.0} | {result.Measured / 1048576:0.0} | {ratio:0.000}{(inside ? "" : $"  OUTSIDE {Low}-{High}")}"));
            if (result.Fixed is { } known) activations[spec] = result.Measured - known;
            if (result.Frozen is { } frozen) ok &= PrintFrozen(spec, frozen, result.FullPrecision!.Value);
        }
        foreach (var line in RecomputationSummary.Lines(activations)) Console.WriteLine(line);
        Console.WriteLine(ok ? $"all {kind} ratios within {Low}-{High}" : $"some {kind} ratios outside {Low}-{High}");
        return ok ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
