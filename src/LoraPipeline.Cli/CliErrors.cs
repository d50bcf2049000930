namespace LoraPipeline.Cli;

/// <summary>Errors go to standard error as plain, unwrapped lines, so logs keep each message whole and greppable.</summary>
internal static class CliErrors
{
    public static void Write(string message)
    {
        message = Pipeline.UrlRedaction.Redact(message); // a URL with credentials in it never reaches a log
        var color = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        Console.Error.WriteLine(color ? $"\u001b[31m{message}\u001b[0m" : message);
    }
}
