using System.Diagnostics;

namespace LoraPipeline.Tests.Support;

/// <summary>Runs the real <c>lora</c> CLI (built beside the tests) as a child process.</summary>
public static class LoraProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Output => StdOut + StdErr;
    }

    /// <summary>
    /// The CLI as built in its own project folder (same configuration as the tests), so it runs with its own
    /// dependency set: the test project's set differs (it references ASP.NET Core for the fake servers).
    /// </summary>
    public static string CliAssembly { get; } = FindCli();

    private static string FindCli()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var own = RepositoryPaths.Combine("src", "LoraPipeline.Cli", "bin", configuration, framework.Name, "lora.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "lora.dll");
    }

    /// <summary>Starts the CLI without waiting (output is redirected and drained in the background).</summary>
    public static Process Start(string workingDirectory, IDictionary<string, string?>? environment, params string[] args)
    {
        var start = StartInfo(workingDirectory, environment, args);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string?>? environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "1000";
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;
        return start;
    }

    public static Result Run(string workingDirectory, IDictionary<string, string?>? environment = null, params string[] args)
    {
        var start = StartInfo(workingDirectory, environment, args);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lora {string.Join(' ', args)} did not finish in 10 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
