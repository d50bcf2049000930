using Spectre.Console;

namespace LoraPipeline.Engines;

/// <summary>
/// Progress of a followed Slurm job: the job log's new lines as <c>slurm: ...</c> lines, and on a terminal a live line with the
/// job's state and the trainer's step (read from its metrics log); on a log (CI) a plain line per state change. A console that
/// fails while drawing the live line turns it into plain lines; following the job never stops for its display.
/// </summary>
internal sealed class SlurmProgress(IAnsiConsole console, string jobId, int maxSteps)
{
    private bool _interactive = console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
    private string _lastState = "";
    private int _lastWidth;

    /// <summary>A line the job wrote to its log.</summary>
    public void LogLine(string line) => Plain($"slurm: {line}");

    /// <summary>The job's state now, and the last step the trainer logged (null before its first).</summary>
    public void Update(SlurmJobState state, int? step)
    {
        var where = state.State == "PENDING" ? (state.Reason is "None" or "" ? "" : $" ({state.Reason})")
            : state.Nodes is "(null)" or "" ? "" : $" on {state.Nodes}";
        var summary = $"slurm job {jobId}: {state.State}{where}";
        if (summary != _lastState)
        {
            _lastState = summary;
            if (!_interactive) Plain(summary);
        }
        if (!_interactive) return;
        try
        {
            var line = summary + (step is { } s ? $"  step {s}/{maxSteps}" : "");
            console.Write(new Text("\r" + line.PadRight(_lastWidth)));
            _lastWidth = line.Length;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _interactive = false;
            Plain($"(live job line turned off after it failed: {e.GetType().Name}: {e.Message}; continuing with plain lines)");
        }
    }

    /// <summary>Ends the live line.</summary>
    public void Stop()
    {
        if (_interactive && _lastWidth > 0) Plain("");
        _lastWidth = 0;
    }

    private void Plain(string line)
    {
        try
        {
            if (_interactive && _lastWidth > 0)
            {
                console.Write(new Text("\r" + new string(' ', _lastWidth) + "\r"));
                _lastWidth = 0;
            }
            console.WriteLine(line);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine(line); // the console itself is broken: plain standard error still works
        }
    }
}
