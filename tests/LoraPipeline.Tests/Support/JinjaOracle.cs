using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraPipeline.Tests.Support;

/// <summary>
/// The test oracle for chat templates: <c>@huggingface/jinja</c> under Node (tests/LoraPipeline.Tests/jinja-oracle, installed by
/// <c>npm ci</c> once per test run). Jobs are <c>{"template", "context"}</c> objects rendered by render.mjs.
/// </summary>
internal static class JinjaOracle
{
    private static readonly string Directory = RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "jinja-oracle");
    private static readonly Lazy<string?> Installed = new(Install);

    /// <summary>Installs the oracle (once); ignores the calling test when Node or npm is missing or npm ci fails.</summary>
    public static void Require()
    {
        if (Installed.Value is { } problem) Assert.Ignore(problem);
    }

    /// <summary>Renders the jobs; a job whose template raises fails the whole call with Node's error text.</summary>
    public static (bool Ok, List<string> Rendered, string Error) TryRender(JsonArray jobs)
    {
        Require();
        var (code, output) = Run("node", ["render.mjs"], jobs.ToJsonString());
        return code == 0 ? (true, JsonSerializer.Deserialize<List<string>>(output)!, "") : (false, [], output);
    }

    /// <summary>Renders the jobs, failing the test when Node fails.</summary>
    public static List<string> Render(JsonArray jobs)
    {
        var (ok, rendered, error) = TryRender(jobs);
        Assert.That(ok, $"node render.mjs failed: {error}");
        return rendered;
    }

    private static string? Install()
    {
        var watch = Stopwatch.StartNew();
        var (code, output) = Run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], stdin: null);
        if (code is null) return $"npm is not installed ({output}); the Jinja parity tests need Node 20+ and npm";
        if (code != 0) return $"npm ci failed in {Directory} (exit {code}): {output.Trim()}";
        TestContext.Progress.WriteLine($"jinja-oracle: npm ci took {watch.Elapsed.TotalSeconds:0.0} s");
        return null;
    }

    private static (int? Code, string Output) Run(string program, string[] arguments, string? stdin)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, e.Message);
        }
        using (process)
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, process.ExitCode == 0 ? stdout : stderr.Result + stdout);
        }
    }
}
