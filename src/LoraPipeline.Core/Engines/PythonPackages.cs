using System.Diagnostics;

namespace LoraPipeline.Engines;

/// <summary>Finds which Python modules an engine needs are missing from an interpreter on this host.</summary>
internal static class PythonPackages
{
    /// <summary>The modules the TRL bundle imports.</summary>
    public static readonly IReadOnlyList<string> Trl = ["torch", "transformers", "peft", "trl", "accelerate", "datasets"];

    /// <summary>
    /// Null when <paramref name="python"/> runs and finds every module of <paramref name="modules"/>, else one sentence
    /// saying what is missing on this host.
    /// </summary>
    public static string? Missing(string python, IReadOnlyList<string> modules)
    {
        var probe = "import importlib.util as u; print(' '.join(m for m in [" + string.Join(", ", modules.Select(m => $"'{m}'")) +
                    "] if u.find_spec(m) is None))";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(probe);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(60_000)) { process.Kill(); return $"{python} on host {Environment.MachineName} did not answer within 60 s"; }
            if (process.ExitCode != 0) return $"{python} on host {Environment.MachineName} exited with code {process.ExitCode}";
            var missing = output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return missing.Length == 0 ? null
                : $"host {Environment.MachineName}: {python} lacks the Python package(s) {string.Join(", ", missing)}; install them (pip install {string.Join(" ", missing)}) or set train.distributed.python";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"host {Environment.MachineName}: no Python interpreter '{python}' (set train.distributed.python to one with {string.Join(", ", modules)})";
        }
    }
}
