using System.Diagnostics;

namespace LoraPipeline.Engines;

/// <summary>The end of an external command: its exit code and the last lines it printed.</summary>
/// <param name="ExitCode">Exit code.</param>
/// <param name="Tail">The last lines of its standard output and error together.</param>
internal sealed record ExternalResult(int ExitCode, IReadOnlyList<string> Tail);

/// <summary>Runs an external command, passing each line it prints to a callback and keeping the tail; a stop request ends its process tree.</summary>
internal static class ExternalProcess
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> to its end (or throws <see cref="OperationCanceledException"/> once stopped and killed).</summary>
    public static ExternalResult Run(string file, IReadOnlyList<string> arguments, Action<string> onLine, CancellationToken stop,
        string? workingDirectory = null, int tailLines = 40)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var tail = new Queue<string>();
        void Line(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue(line);
                while (tail.Count > tailLines) tail.Dequeue();
            }
            onLine(line);
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (stop.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            process.WaitForExit();
        stop.ThrowIfCancellationRequested();
        lock (tail) return new ExternalResult(process.ExitCode, tail.ToList());
    }
}
