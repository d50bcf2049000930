using System.CommandLine;
using System.Diagnostics;
using LoraPipeline.Benchmarking;
using LoraPipeline.Checkpoints;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Cli.Bench;

/// <summary>
/// <c>lora bench load</c>: writes a sharded checkpoint of the requested size, loads it back, and prints
/// the peak resident-memory increase of the load divided by the checkpoint's size (target ≤ 1.3).
/// </summary>
internal static class LoadBenchCommand
{
    public static Command Create()
    {
        var sizeMb = new Option<int>("--size-mb") { Description = "checkpoint size in MiB (default 256)", DefaultValueFactory = _ => 256 };
        var dtype = new Option<string>("--dtype") { Description = "stored dtype: bf16 or f32", DefaultValueFactory = _ => "bf16" };
        var folder = new Option<string?>("--folder") { Description = "measure loading this model folder in this process (used by the benchmark's child process)" };
        var command = new Command("load", "measure peak resident memory of loading a generated checkpoint, as a ratio to its size");
        command.Options.Add(sizeMb);
        command.Options.Add(dtype);
        command.Options.Add(folder);
        command.SetAction(parse => parse.GetValue(folder) is { } existing
            ? Measure(existing)
            : Run(parse.GetValue(sizeMb), parse.GetValue(dtype)!));
        return command;
    }

    private static int Run(int sizeMb, string dtypeName)
    {
        var dtype = DTypes.Parse(dtypeName, "--dtype").ToScalarType();
        var folder = Path.Combine(Path.GetTempPath(), $"lora-bench-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            WriteCheckpoint(folder, (long)sizeMb << 20, dtype);
            Console.WriteLine($"checkpoint written ({dtypeName}); loading it in a fresh process so that writing does not skew the baseline");
            // A fresh process: memory freed after writing stays resident in this one and would be reused by the load.
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
            foreach (var arg in new[] { typeof(LoadBenchCommand).Assembly.Location, "bench", "load", "--folder", folder })
                start.ArgumentList.Add(arg);
            using var child = Process.Start(start)!;
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Measure(string folder)
    {
        var bytes = CheckpointLoader.Files(folder).Sum(f => new FileInfo(f).Length);
        using (var warm = empty(1)) { } // load libtorch before the baseline
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ProcessMemory.ResidentBytes() ?? 0;
        if (!ProcessMemory.ResetPeak()) Console.WriteLine("warning: cannot reset the peak RSS here; the figure includes earlier peaks");
        var watch = Stopwatch.StartNew();
        var state = CheckpointLoader.LoadStateDict(folder);
        watch.Stop();
        var peak = ProcessMemory.PeakResidentBytes() ?? 0;
        var ratio = (peak - before) / (double)bytes;
        Console.WriteLine($"checkpoint: {bytes / 1048576.0:0.0} MiB in {CheckpointLoader.Files(folder).Count} files, {state.Count} tensors");
        Console.WriteLine($"load time: {watch.Elapsed.TotalSeconds:0.00} s ({bytes / 1048576.0 / watch.Elapsed.TotalSeconds:0} MiB/s)");
        Console.WriteLine($"resident before: {before / 1048576.0:0.0} MiB, peak during load: {peak / 1048576.0:0.0} MiB");
        Console.WriteLine($"peak load memory / checkpoint size: {ratio:0.000} (target <= 1.3)");
        foreach (var t in state.Values) t.Dispose();
        return ratio <= 1.3 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    // Tensors of 8 MiB each, spread over shards of at most 64 MiB, written one shard at a time so
    // that generating the file does not inflate the baseline.
    private static long WriteCheckpoint(string folder, long totalBytes, ScalarType dtype)
    {
        var elementSize = dtype == ScalarType.Float32 ? 4 : 2;
        const long tensorBytes = 8L << 20, shardBytes = 64L << 20;
        var tensorsPerShard = (int)(shardBytes / tensorBytes);
        var tensorCount = (int)Math.Max(1, totalBytes / tensorBytes);
        var shardCount = (tensorCount + tensorsPerShard - 1) / tensorsPerShard;
        var weightMap = new Dictionary<string, string>();
        var index = 0;
        for (var shard = 0; shard < shardCount; shard++)
        {
            using var scope = NewDisposeScope();
            var name = $"model-{shard + 1:00000}-of-{shardCount:00000}.safetensors";
            var tensors = new List<KeyValuePair<string, Tensor>>();
            for (var i = 0; i < tensorsPerShard && index < tensorCount; i++, index++)
            {
                var key = $"model.layers.{index}.weight";
                tensors.Add(new(key, randn(new long[] { tensorBytes / elementSize / 1024, 1024 }).to(dtype)));
                weightMap[key] = name;
            }
            SafetensorsWriter.Save(Path.Combine(folder, name), tensors);
        }
        new ShardIndex(weightMap, tensorCount * tensorBytes).Write(Path.Combine(folder, CheckpointFormats.IndexFile));
        return tensorCount * tensorBytes;
    }
}
