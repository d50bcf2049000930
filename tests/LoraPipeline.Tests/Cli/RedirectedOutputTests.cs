using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Cli;

/// <summary>Issue 19 finding 12: output to a file or pipe carries no colour codes, even where TERM says colours work.</summary>
[Category("Integration")]
public class RedirectedOutputTests
{
    [Test]
    public void AStageWritesNoAnsiCodesToAPipe()
    {
        using var temp = new TempDirectory("redirect");
        var result = LoraProcess.Run(temp.Path, new Dictionary<string, string?> { ["TERM"] = "xterm-256color", ["NO_COLOR"] = null },
            "download", "--config", RepositoryPaths.Combine("configs", "default.yaml"), "--artifacts", temp.Path);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("download"));
        Assert.That(result.Output, Does.Not.Contain("\u001b["), "no ANSI escape sequences in redirected output");
    }
}
