using System.CommandLine;
using LoraPipeline.Benchmarking;
using LoraPipeline.Configuration;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench train</c>: LoRA training throughput on a random Llama model (default ~125M parameters, sequence
/// 512), its model FLOP/s against the matrix-product rate the same process measures, peak resident memory against an
/// estimate, optionally the same step in plain PyTorch, and resident memory early and late in a long run of a small
/// model (no per-step leak).
/// </summary>
internal static class TrainBenchCommand
{
    private const int Seed = 1;

    public static Command Create()
    {
        Option<int> Int(string name, int value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var layers = Int("--layers", 12, "decoder layers");
        var hidden = Int("--hidden", 768, "hidden size");
        var heads = Int("--heads", 12, "attention heads");
        var kvHeads = Int("--kv-heads", 4, "key/value heads");
        var intermediate = Int("--intermediate", 2048, "MLP intermediate size");
        var vocab = Int("--vocab", 32000, "vocabulary size");
        var seqLen = Int("--seq-len", 512, "tokens per record (labels are the last half)");
        var microBatch = Int("--micro-batch", 1, "records per step");
        var steps = Int("--steps", 30, "timed steps");
        var warmup = Int("--warmup", 3, "warm-up steps (not timed)");
        var rank = Int("--lora-r", 16, "LoRA rank");
        var memorySteps = Int("--memory-steps", 2000, "steps of the small-model leak check (0 skips it)");
        var memoryFirst = Int("--memory-first", 100, "step of the leak check's first resident-memory reading");
        var matmulSize = Int("--matmul-size", 2048, "size n of the n×n×n matrix product timed for the peak rate");
        var threads = Int("--threads", 0, "intra-op threads (0: libtorch's default)");
        var checkpointing = new Option<string>("--activation-checkpointing") { Description = "none, selective or full", DefaultValueFactory = _ => "none" };
        var lossChunk = Int("--loss-chunk-tokens", 0, "label positions per LM-head chunk (0: the loss in one piece)");
        var alpha = new Option<double>("--lora-alpha") { Description = "LoRA alpha (default 2·r)" };
        var dropout = new Option<double>("--lora-dropout") { Description = "LoRA dropout", DefaultValueFactory = _ => 0.05 };
        var dtype = new Option<string>("--dtype") { Description = "frozen weights' dtype: bf16 or f32 (adapters are float32)", DefaultValueFactory = _ => "bf16" };
        var targets = new Option<string>("--targets") { Description = "adapted projections: all (7 per layer) or attn (q, k, v, o)", DefaultValueFactory = _ => "all" };
        var compare = new Option<bool>("--compare-torch") { Description = "then run tests/scripts/bench_train_torch.py (same shapes) and print the ratio" };
        var python = new Option<string>("--python") { Description = "Python with torch for --compare-torch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--torch-script") { Description = "path of bench_train_torch.py (default: found above the current folder)" };
        var command = new Command("train", "LoRA training tokens/s, model FLOP/s / matmul FLOP/s, peak memory vs estimate, PyTorch ratio, leak check");
        foreach (var option in new Option[] { layers, hidden, heads, kvHeads, intermediate, vocab, seqLen, microBatch, steps, warmup, rank, alpha, dropout,
                     dtype, targets, memorySteps, memoryFirst, matmulSize, threads, checkpointing, lossChunk, compare, python, script })
            command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var r = parse.GetValue(rank);
            var shape = new TrainBenchShape(parse.GetValue(layers), parse.GetValue(hidden), parse.GetValue(heads), parse.GetValue(kvHeads),
                parse.GetValue(intermediate), parse.GetValue(vocab), parse.GetValue(seqLen), parse.GetValue(microBatch),
                ModelArguments.ParseDtype(parse.GetValue(dtype)!), r, parse.GetResult(alpha) is null ? 2.0 * r : parse.GetValue(alpha),
                parse.GetValue(dropout), parse.GetValue(targets)!);
            shape.Validate();
            if (parse.GetValue(threads) is > 0 and var count) set_num_threads(count);
            var timed = Math.Max(1, parse.GetValue(steps));
            var warm = Math.Max(0, parse.GetValue(warmup));
            var mode = ModelArguments.ParseChoice<ActivationCheckpointing>(parse.GetValue(checkpointing)!, "--activation-checkpointing");
            var run = new TrainBenchRun(mode, Math.Max(0, parse.GetValue(lossChunk)));
            var (ours, oursMatmul) = Measure(shape, run, timed, warm, parse.GetValue(matmulSize));
            FreshProcessMemory(shape, run);
            if (parse.GetValue(compare))
                CompareTorch(shape, timed, warm, parse.GetValue(matmulSize), parse.GetValue(python)!, parse.GetValue(script), ours, oursMatmul);
            var leakSteps = parse.GetValue(memorySteps);
            if (leakSteps > 0) LeakCheck(shape, Math.Min(parse.GetValue(memoryFirst), leakSteps), leakSteps);
            else Console.WriteLine("leak check: skipped (--memory-steps 0)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static (double TokensPerSecond, double MatmulFlops) Measure(TrainBenchShape shape, TrainBenchRun run, int steps, int warmup, int matmulSize)
    {
        using (var warmLibrary = empty(1)) { } // load libtorch before the baseline
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ProcessMemory.ResidentBytes() ?? 0;
        Console.WriteLine($"libtorch {__version__}, {get_num_threads()} threads, dtype {shape.DtypeName} (adapters and AdamW state float32)");

        var matmul = PrecisionRates.MatmulRate(CPU, matmulSize, shape.Dtype, 1.5);
        Console.WriteLine($"matmul FLOP/s ({shape.DtypeName}, {matmulSize}x{matmulSize}x{matmulSize}, measured now): {matmul / 1e9:0.0} GFLOP/s");

        using var session = new TrainBenchSession(shape, Seed, run);
        var modelParameters = session.BaseParameters;
        var adapterParameters = session.AdapterParameters;
        Console.WriteLine($"model: random Llama, {shape.Layers} layers, hidden {shape.Hidden}, heads {shape.Heads}, kv heads {shape.KvHeads}, " +
                          $"intermediate {shape.Intermediate}, vocab {shape.Vocab}, untied: {modelParameters:N0} base parameters ({modelParameters / 1e6:0.00}M)");
        Console.WriteLine($"lora: r {shape.LoraRank}, alpha {shape.LoraAlpha}, dropout {shape.LoraDropout}, targets {string.Join(',', shape.TargetModules)}: " +
                          $"{adapterParameters:N0} adapter parameters ({100.0 * adapterParameters / modelParameters:0.00}% of the base)");
        Console.WriteLine($"batch: micro batch {shape.MicroBatch} x {shape.SeqLen} tokens (no padding), labels = last {shape.LabelPositions} positions " +
                          $"per record (the LM head runs on those only); AdamW, clip 1.0; recomputation {ConfigNaming.EnumName(run.Checkpointing)}, " +
                          $"LM-head chunk {(run.LossChunkTokens > 0 ? run.LossChunkTokens.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}; {warmup} warm-up + {steps} timed steps");

        var built = ProcessMemory.ResidentBytes() ?? 0;
        if (!ProcessMemory.ResetPeak()) Console.WriteLine("warning: cannot reset the peak RSS here; the peak includes earlier peaks");
        session.Run(warmup);
        var (tokens, seconds, loss) = session.Run(steps);
        var peak = ProcessMemory.PeakResidentBytes() ?? 0;

        var tokensPerSecond = tokens / seconds;
        var config = shape.ModelConfig();
        var flops = TrainingFlops.For(config, shape.SeqLen, shape.LabelPositions, adapterParameters);
        var modelFlops = flops.LoraPerToken * tokensPerSecond;
        Console.WriteLine($"step time: {seconds / steps * 1000:0} ms (last loss {loss:0.000})");
        Console.WriteLine($"training tokens/s: {tokensPerSecond:0.0} (all non-padding tokens processed, prompt and answer; warm-up excluded)");
        foreach (var line in flops.Describe(config, shape.SeqLen, shape.LabelPositions)) Console.WriteLine(line);
        Console.WriteLine($"model FLOP/s: {flops.LoraPerToken / 1e9:0.000} GFLOP/token x {tokensPerSecond:0.0} tokens/s = {modelFlops / 1e9:0.00} GFLOP/s");
        Console.WriteLine($"MFU-like ratio (model FLOP/s / {shape.DtypeName} matmul FLOP/s): {modelFlops / 1e9:0.00} / {matmul / 1e9:0.0} = {modelFlops / matmul:0.000}");

        // The same model as `lora plan` and `lora bench memory --training` (Sizing/TrainingEstimate), plus the measured baseline.
        var inputs = shape.SizingInputs() with { Checkpointing = run.Checkpointing, LossChunkTokens = run.LossChunkTokens };
        var parts = TrainingEstimate.Compute(config, inputs);
        var step = TrainingEstimate.StepProcessBytes(config, inputs);
        var total = baseline + step;
        Console.WriteLine($"memory estimate (Sizing/TrainingEstimate): baseline {Mib(baseline)} + weights {Mib(parts.FrozenWeightBytes)} + adapter/grads/AdamW " +
                          $"{Mib(parts.AdapterWeightBytes + parts.AdapterGradientBytes + parts.OptimizerStateBytes)} + activations {Mib(parts.ActivationBytes)} " +
                          $"+ workspace {Mib(step - parts.TensorBytes)} = {Mib(total)}");
        Console.WriteLine($"peak resident memory of this process (glibc's default heap, which keeps freed temporaries resident): measured {Mib(peak)}, " +
                          $"estimate {Mib(total)}, estimate/measured {total / (double)Math.Max(1, peak):0.000} (resident before the first step: {Mib(built)})");
        return (tokensPerSecond, matmul);
    }

    private static void CompareTorch(TrainBenchShape shape, int steps, int warmup, int matmulSize, string python, string? script, double ours, double oursMatmul)
    {
        var torchResult = TorchTrainComparison.Run(shape, steps, warmup, get_num_threads(), matmulSize, python, script);
        if (torchResult is null) return;
        Console.WriteLine($"pytorch {torchResult.Version} ({torchResult.Threads} threads): {torchResult.TokensPerSecond:0.0} tokens/s, " +
                          $"peak RSS {torchResult.PeakResidentMib:0.0} MiB, its {shape.DtypeName} matmul {torchResult.MatmulFlops / 1e9:0.0} GFLOP/s " +
                          $"(f32 {torchResult.F32MatmulFlops / 1e9:0.0}), BLAS {torchResult.Blas}");
        if (TorchPeerFairness.Refusal(torchResult.Blas, torchResult.MatmulFlops, oursMatmul, shape.DtypeName) is { } why)
        {
            Console.WriteLine($"ours/pytorch tokens/s: not printed, the peer is not fair: {why}");
            return;
        }
        Console.WriteLine($"ours/pytorch tokens/s: {ours:0.0} / {torchResult.TokensPerSecond:0.0} = {ours / torchResult.TokensPerSecond:0.000} (goal >= 2.0)");
    }

    /// <summary>
    /// The step's peak memory as <c>lora bench memory --training</c> measures it: one fresh child process with glibc's
    /// mmap threshold fixed, so resident memory follows the live tensors the estimate counts.
    /// </summary>
    private static void FreshProcessMemory(TrainBenchShape shape, TrainBenchRun run)
    {
        if (shape.Targets != "all" || Math.Abs(shape.LoraDropout - 0.05) > 1e-12)
        {
            Console.WriteLine("peak memory in a fresh process: skipped (bench memory's cases adapt all seven projections with dropout 0.05)");
            return;
        }
        var spec = string.Join(',', shape.Hidden, shape.Layers, shape.Heads, shape.KvHeads, shape.Intermediate, shape.Vocab, shape.DtypeName,
            shape.MicroBatch, shape.SeqLen, shape.LabelPositions, shape.LoraRank, ConfigNaming.EnumName(run.Checkpointing), run.LossChunkTokens);
        var result = MemoryBenchCommand.MeasureInChild(spec);
        Console.WriteLine(result is { } r
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"peak memory in a fresh process (bench memory --training --case {spec}): estimate {r.Estimate / 1048576:0.0} MiB, measured {r.Measured / 1048576:0.0} MiB, estimate/measured {r.Estimate / r.Measured:0.000} (goal 0.8-1.25)")
            : "peak memory in a fresh process: the child failed");
    }

    private static void LeakCheck(TrainBenchShape like, int first, int total)
    {
        var shape = TrainBenchShape.Small(like) with { MicroBatch = 2 };
        // One thread: a model this small is dominated by per-op overhead, and on a shared machine several spinning
        // OpenMP threads slow each op by orders of magnitude. The leak check is about memory, not speed.
        set_num_threads(1);
        // Recomputation, packing and the chunked loss on: every custom autograd function and the per-example attention run each step.
        var run = new TrainBenchRun(ActivationCheckpointing.Full, LossChunkTokens: 8, PackLength: shape.SeqLen, Records: shape.VariedRecords(64, Seed), GlobalBatch: 6);
        using var session = new TrainBenchSession(shape, Seed, run);
        Console.WriteLine($"leak check: small model ({shape.Layers} layers, hidden {shape.Hidden}, vocab {shape.Vocab}, rows of {shape.SeqLen}, " +
                          $"{session.BaseParameters:N0} base parameters), full recomputation, packing (6 examples per step), LM-head chunks of 8; {total} steps, 1 thread");
        session.Run(first);
        var early = ProcessMemory.ResidentBytes() ?? 0;
        var (_, seconds, _) = session.Run(total - first);
        var late = ProcessMemory.ResidentBytes() ?? 0;
        Console.WriteLine($"resident memory at step {first}: {Mib(early)}; at step {total}: {Mib(late)}; " +
                          $"ratio {late / (double)Math.Max(1, early):0.000} ({(late - early) / 1024.0 / Math.Max(1, total - first):0.00} KiB/step; {seconds / Math.Max(1, total - first) * 1000:0.0} ms/step)");
    }

    private static string Mib(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");
}
