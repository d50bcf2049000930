using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Runs <c>tests/scripts/bench_train_torch.py</c> (plain PyTorch, same shapes) as a child process and reads its
/// machine-readable result line <c>torch_bench_result {json}</c>. Returns null, after printing why, when Python,
/// torch or the script is not available.
/// </summary>
internal static class TorchTrainComparison
{
    public const string ScriptRelativePath = "tests/scripts/bench_train_torch.py";
    private const string ResultPrefix = "torch_bench_result ";

    public sealed record Result(double TokensPerSecond, int Threads, string Version, double PeakResidentMib, double MatmulFlops,
        double F32MatmulFlops, string Blas);

    public static Result? Run(TrainBenchShape shape, int steps, int warmup, int threads, int matmulSize, string python, string? script)
    {
        script ??= FindScript();
        if (script is null || !File.Exists(script))
            return Skip($"the script {script ?? ScriptRelativePath} was not found (run from the repository or pass --torch-script)");
        if (!File.Exists(python)) return Skip($"{python} does not exist");
        var probe = Start(python, ["-c", "import torch; print(torch.__version__)"]);
        if (probe.ExitCode != 0) return Skip($"{python} cannot import torch: {probe.Output.Trim().Split('\n').LastOrDefault()}");

        var c = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            script,
            "--layers", shape.Layers.ToString(c), "--hidden", shape.Hidden.ToString(c), "--heads", shape.Heads.ToString(c),
            "--kv-heads", shape.KvHeads.ToString(c), "--intermediate", shape.Intermediate.ToString(c), "--vocab", shape.Vocab.ToString(c),
            "--seq-len", shape.SeqLen.ToString(c), "--micro-batch", shape.MicroBatch.ToString(c), "--dtype", shape.DtypeName,
            "--lora-r", shape.LoraRank.ToString(c), "--lora-alpha", shape.LoraAlpha.ToString(c), "--lora-dropout", shape.LoraDropout.ToString(c),
            "--targets", shape.Targets, "--label-start", shape.LabelStart.ToString(c),
            "--steps", steps.ToString(c), "--warmup", warmup.ToString(c), "--threads", threads.ToString(c),
            "--matmul-size", matmulSize.ToString(c),
        };
        Console.WriteLine($"pytorch: {python} {string.Join(' ', args)}");
        var run = Start(python, args);
        foreach (var line in run.Output.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(ResultPrefix, StringComparison.Ordinal)))
            Console.WriteLine($"  | {line.TrimEnd()}");
        if (run.ExitCode != 0) return Skip($"the script exited with {run.ExitCode}");
        var resultLine = run.Output.Split('\n').LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (resultLine is null) return Skip("the script printed no result line");
        Console.WriteLine(resultLine.TrimEnd());
        using var json = JsonDocument.Parse(resultLine[ResultPrefix.Length..]);
        var root = json.RootElement;
        return new Result(root.GetProperty("tokens_per_s").GetDouble(), root.GetProperty("threads").GetInt32(),
            root.GetProperty("torch").GetString() ?? "?", root.GetProperty("peak_rss_mib").GetDouble(), root.GetProperty("matmul_flops").GetDouble(),
            root.TryGetProperty("f32_matmul_flops", out var f32) ? f32.GetDouble() : double.NaN,
            root.TryGetProperty("blas", out var blas) ? blas.GetString() ?? "unknown" : "unknown (an older script)");
    }

    private static Result? Skip(string why)
    {
        Console.WriteLine($"pytorch comparison: skipped ({why})");
        return null;
    }

    private static string? FindScript() => RepositoryFile.FindAbove(ScriptRelativePath);

    private static (int ExitCode, string Output) Start(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
