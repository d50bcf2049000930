namespace LoraPipeline.Evaluation;

/// <summary>GitHub Actions integration: the report goes to the job summary and a failed gate becomes an error annotation.</summary>
internal static class GitHubActions
{
    /// <summary>Appends <paramref name="markdown"/> to <c>GITHUB_STEP_SUMMARY</c> when set, and prints <c>::error::</c> for a failed gate.</summary>
    public static void Publish(string markdown, GateVerdict verdict)
    {
        if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
            File.AppendAllText(summary, markdown + "\n");
        if (!verdict.Passed && Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true")
            Console.Out.WriteLine($"::error title=Evaluation gate failed::{string.Join("; ", verdict.Reasons).Replace("\n", " ")}");
    }
}
