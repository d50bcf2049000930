using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>
/// Per-file Spectre.Console progress bars (bytes, speed) on interactive terminals; on redirected or non-interactive
/// consoles (CI logs) one plain line per finished file instead. Silent without a console.
/// The display never decides the download's fate: it is refreshed from here (not from Spectre's own refresh thread, where
/// an exception would end the process), and a failure of the live renderer (Spectre's <c>LiveRenderable</c> crash,
/// spectreconsole/spectre.console#2191, or a tiny or resized terminal) switches to plain lines while the work goes on.
/// </summary>
internal sealed class HubProgress
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);
    private readonly IAnsiConsole? _console;
    private readonly List<FileBar> _bars = [];
    private ProgressContext? _context;
    private bool _plain;

    private HubProgress(IAnsiConsole? console) => _console = console;

    /// <summary>Runs <paramref name="body"/> inside a live progress display when a console is given.</summary>
    public static async Task RunAsync(IAnsiConsole? console, Func<HubProgress, Task> body)
    {
        var progress = new HubProgress(console);
        if (console is null || !console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
        {
            progress._plain = true;
            await body(progress);
            return;
        }
        Task? work = null;
        try
        {
            await console.Progress()
                .AutoRefresh(false)
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    progress._context = context;
                    work = body(progress);
                    while (await Task.WhenAny(work, Task.Delay(RefreshInterval)).ConfigureAwait(false) != work)
                        progress.Refresh();
                    await work.ConfigureAwait(false);
                    progress.Refresh();
                });
        }
        catch (Exception e) when (work is null || !work.IsCompleted || work.IsCompletedSuccessfully)
        {
            // The display failed (before, while or after the work ran): keep the work, lose only the bars.
            progress.FallBack(e);
            await (work ?? body(progress)).ConfigureAwait(false);
        }
    }

    /// <summary>Writes one plain line (markup-escaped).</summary>
    public void Log(string text)
    {
        if (_console is null) return;
        try
        {
            _console.MarkupLine(Markup.Escape(text));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine(text); // the console itself is broken: plain standard error still works
        }
    }

    /// <summary>Starts a bar for one file.</summary>
    public FileBar Start(string name, long size)
    {
        var task = _context is not null && !_plain ? _context.AddTask(Markup.Escape(name), autoStart: true, maxValue: Math.Max(size, 1)) : null;
        var bar = new FileBar(this, task, name, size);
        lock (_bars) _bars.Add(bar);
        return bar;
    }

    private void Refresh()
    {
        if (_plain || _context is null) return;
        try
        {
            _context.Refresh();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FallBack(e);
        }
    }

    private void FallBack(Exception e)
    {
        if (_plain) return;
        _plain = true;
        Log($"(progress display turned off after it failed: {e.GetType().Name}: {e.Message}; continuing with plain lines)");
        List<FileBar> finished;
        lock (_bars) finished = _bars.Where(b => b.Seconds is not null).ToList();
        foreach (var bar in finished) bar.LogDone(); // files the bars showed as done, which the user may not have seen
    }

    /// <summary>One file's bar; every method is a no-op without a console.</summary>
    public sealed class FileBar
    {
        private readonly HubProgress _owner;
        private readonly ProgressTask? _task;
        private readonly string _name;
        private readonly long _size;
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        internal FileBar(HubProgress owner, ProgressTask? task, string name, long size)
        {
            _owner = owner;
            _task = task;
            _name = name;
            _size = size;
        }

        /// <summary>Sets the byte count (after a resume or a restart from zero).</summary>
        public void Set(long bytes)
        {
            if (_task is not null) _task.Value = bytes;
        }

        /// <summary>Adds downloaded bytes.</summary>
        public void Advance(long bytes) => _task?.Increment(bytes);

        /// <summary>Marks the file finished: the bar completes, or (plain mode) one line with size and speed.</summary>
        public void Done()
        {
            Seconds = _clock.Elapsed.TotalSeconds;
            if (_task is not null)
            {
                _task.Value = _task.MaxValue;
                _task.StopTask();
            }
            if (_owner._plain) LogDone();
        }

        /// <summary>Seconds the file took, once it is done.</summary>
        internal double? Seconds { get; private set; }

        internal void LogDone()
        {
            var seconds = Seconds ?? _clock.Elapsed.TotalSeconds;
            _owner.Log($"{_name}: {DiskSpace.Bytes(_size)} in {seconds:0.##} s ({DiskSpace.Bytes((long)(_size / Math.Max(seconds, 1e-3)))}/s), verified");
        }
    }
}
