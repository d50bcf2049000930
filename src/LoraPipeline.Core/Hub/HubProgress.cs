using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>
/// Per-file Spectre.Console progress bars (bytes, speed) on interactive terminals; on redirected or non-interactive
/// consoles (CI logs) one plain line per finished file instead. Silent without a console.
/// </summary>
internal sealed class HubProgress
{
    private readonly IAnsiConsole? _console;
    private ProgressContext? _context;

    private HubProgress(IAnsiConsole? console) => _console = console;

    /// <summary>Runs <paramref name="body"/> inside a live progress display when a console is given.</summary>
    public static async Task RunAsync(IAnsiConsole? console, Func<HubProgress, Task> body)
    {
        var progress = new HubProgress(console);
        if (console is null || !console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
        {
            await body(progress);
            return;
        }
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                progress._context = context;
                await body(progress);
            });
    }

    /// <summary>Writes one plain line (markup-escaped).</summary>
    public void Log(string text) => _console?.MarkupLine(Markup.Escape(text));

    /// <summary>Starts a bar for one file.</summary>
    public FileBar Start(string name, long size) =>
        _context is not null
            ? new(_context.AddTask(Markup.Escape(name), autoStart: true, maxValue: Math.Max(size, 1)), null)
            : new(null, _console is null ? null : seconds =>
                Log($"{name}: {DiskSpace.Bytes(size)} in {seconds:0.##} s ({DiskSpace.Bytes((long)(size / Math.Max(seconds, 1e-3)))}/s), verified"));

    /// <summary>One file's bar; every method is a no-op without a console.</summary>
    public sealed class FileBar(ProgressTask? task, Action<double>? onDone)
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        /// <summary>Sets the byte count (after a resume or a restart from zero).</summary>
        public void Set(long bytes)
        {
            if (task is not null) task.Value = bytes;
        }

        /// <summary>Adds downloaded bytes.</summary>
        public void Advance(long bytes) => task?.Increment(bytes);

        /// <summary>Marks the file finished.</summary>
        public void Done()
        {
            onDone?.Invoke(_clock.Elapsed.TotalSeconds);
            if (task is null) return;
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
