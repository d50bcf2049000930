// The Test target: builds the solution in Release, runs every test project with a TRX logger, and
// ends with one summary line read from the TRX files, since `dotnet test` output is not read as one.
using System.Xml.Linq;

public static class TestRunner
{
    // Under GitHub Actions the GitHubActions logger (package GitHubActionsTestLogger) also writes the results into the job
    // summary and failed tests as annotations; elsewhere it would only print workflow commands, so it is left out.
    private static string[] Loggers(ICakeContext context) =>
        context.EnvironmentVariable("GITHUB_ACTIONS") == "true"
            ? new[] { "trx", "console;verbosity=normal", "GitHubActions" }
            : new[] { "trx", "console;verbosity=normal" };

    public static void Run(ICakeContext context)
    {
        var results = context.MakeAbsolute(context.Directory("artifacts/test-results"));
        context.CleanDirectory(results);
        Exception failure = null;
        try
        {
            context.DotNetTest(Lora.Solution, new DotNetTestSettings
            {
                Configuration = Lora.Configuration(context),
                Loggers = Loggers(context),
                ResultsDirectory = results,
                NoLogo = true,
            });
        }
        catch (Exception e)
        {
            failure = e;
        }

        int passed = 0, failed = 0, skipped = 0;
        foreach (var trx in context.GetFiles(results.FullPath + "/**/*.trx"))
        {
            foreach (var result in XDocument.Load(trx.FullPath).Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
            {
                switch ((string)result.Attribute("outcome"))
                {
                    case "Passed": passed++; break;
                    case "NotExecuted": case "Inconclusive": skipped++; break;
                    default: failed++; break;
                }
            }
        }
        var summary = $"Tests: {passed} passed, {failed} failed, {skipped} skipped";
        System.IO.File.WriteAllText(results.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
        context.Information(summary);
        if (failure != null || failed > 0 || passed == 0)
            throw new Exception(failure == null ? "tests failed" : "tests failed: " + failure.Message);
    }
}
