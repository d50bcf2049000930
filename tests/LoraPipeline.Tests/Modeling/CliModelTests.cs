using System.Text.Json;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Modeling;

/// <summary>The model commands through the real <c>lora</c> process.</summary>
[Category("Integration")]
public class CliModelTests
{
    [TestCase("llama_gqa")]
    [TestCase("llama_bf16_sharded")]
    public void LogitsCommandMatchesTheGolden(string name)
    {
        using var temp = new TempDirectory();
        var golden = ModelGolden.Load(name);
        var output = temp.Combine("logits.json");
        var result = LoraProcess.Run(temp.Path, null, "logits", "--model", ModelGolden.Directory(name),
            "--ids", string.Join(' ', golden.InputIds), "--out", output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        Assert.That(document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(golden.InputIds));
        var rows = document.RootElement.GetProperty("logits").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        var actual = new float[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < rows[i].Length; j++) actual[i, j] = rows[i][j];
        Assert.That(golden.MaxAbsDifference(actual), Is.LessThanOrEqualTo(1e-4));
    }

    [Test]
    public void GenerateCommandPrintsTheGreedyContinuation()
    {
        var golden = ModelGolden.Load("mistral");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "generate", "--model", ModelGolden.Directory("mistral"),
            "--ids", string.Join(',', golden.InputIds), "--max-new-tokens", "16", "--greedy", "--json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        using var document = JsonDocument.Parse(result.StdOut);
        Assert.That(document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(golden.Greedy));
        Assert.That(document.RootElement.GetProperty("text").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void GenerateCommandSamplesReproducibly()
    {
        string[] args = ["generate", "--model", ModelGolden.Directory("llama_gqa"), "--ids", "5 17 200", "--max-new-tokens", "8",
            "--temperature", "0.8", "--top-p", "0.9", "--seed", "11"];
        var first = LoraProcess.Run(RepositoryPaths.Root, null, args);
        var second = LoraProcess.Run(RepositoryPaths.Root, null, args);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Output);
        Assert.That(first.StdOut.Trim().Split(' '), Has.Length.InRange(1, 8)); // may stop early at eos id 2
        Assert.That(second.StdOut, Is.EqualTo(first.StdOut));
    }

    [Test]
    public void MissingModelFolderIsAnErrorNamingIt()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "generate", "--model", "no/such/model", "--ids", "1 2");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdErr, Does.Contain("no/such/model"));
    }

    [Test]
    public void BadIdsAreAnErrorNamingTheArgument()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "logits", "--model", ModelGolden.Directory("qwen2"),
            "--ids", "1 two 3", "--out", Path.Combine(Path.GetTempPath(), "unused.json"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdErr, Does.Contain("--ids: 'two'"));
        var outOfRange = LoraProcess.Run(RepositoryPaths.Root, null, "generate", "--model", ModelGolden.Directory("qwen2"), "--ids", "1 9999");
        Assert.That(outOfRange.ExitCode, Is.EqualTo(1));
        Assert.That(outOfRange.StdErr, Does.Contain("'9999'"));
    }

    [Test]
    public void KvBenchmarkPrintsRatios()
    {
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "bench", "kv", "--model", ModelGolden.Directory("llama_gqa"), "--tokens", "40");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Match(@"kv cache: 40 tokens; .*ratio last/first: \d+\.\d\d"));
        Assert.That(result.StdOut, Does.Match(@"no cache: 40 tokens; .*ratio last/first: \d+\.\d\d"));
    }
}
