using System.Text.Json.Nodes;
using LoraPipeline.Tests.Support;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Cli;

/// <summary>
/// Issue 19 point 4: every command, given bad input, exits non-zero with one clear line on stderr and no stack
/// frames. One fixture folder is shared; each case is one real <c>lora</c> process.
/// </summary>
[Category("Integration")]
public class BadInputTests
{
    private TempDirectory _temp = null!;
    private string _model = null!;

    [OneTimeSetUp]
    public void CreateFixtures()
    {
        _temp = new TempDirectory("bad-input");
        _model = WriteRandomModel(_temp.Combine("model"));
        File.WriteAllText(_temp.Combine("unclosed.yaml"), "lora:\n  target_modules: [q_proj, v_proj\n");
        File.WriteAllText(_temp.Combine("a-file"), "not a folder");
        Directory.CreateDirectory(_temp.Combine("adapter-empty"));
        foreach (var (name, key, value) in new[] { ("zero-heads", "num_attention_heads", 0), ("negative-vocab", "vocab_size", -5), ("huge-hidden", "hidden_size", 1_000_000_000) })
        {
            var folder = _temp.Combine(name);
            Directory.CreateDirectory(folder);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_model, "config.json")))!.AsObject();
            config[key] = value;
            File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
            File.Copy(Path.Combine(_model, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        }
    }

    [OneTimeTearDown]
    public void DeleteFixtures() => _temp.Dispose();

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(int exitCode, string expected, params string[] args) =>
            new TestCaseData(exitCode, expected, args).SetName($"{{m}}({string.Join(' ', args).Replace("{repo}/", "").Replace("{", "").Replace("}", "")})");

        yield return Case(2, "not found", "train", "--config", "{temp}/missing.yaml");
        yield return Case(2, "unclosed.yaml", "config", "--config", "{temp}/unclosed.yaml");
        yield return Case(2, "--set model.source=hf:../..", "config", "--config", "{repo}/configs/default.yaml", "--set", "model.source=hf:../..");
        yield return Case(2, "--set model.max_shard_size=abc", "config", "--config", "{repo}/configs/default.yaml", "--set", "model.max_shard_size=abc");
        yield return Case(2, "train.device", "config", "--config", "{repo}/configs/default.yaml", "--set", "train.device=tpu");
        yield return Case(2, "lora.target_modules", "config", "--config", "{repo}/configs/default.yaml", "--set", "lora.target_modules=[foo_proj]");
        yield return Case(1, "--artifacts", "prepare", "--config", "{repo}/configs/default.yaml", "--artifacts", "{temp}/a-file");
        yield return Case(1, "--model", "logits", "--model", "{temp}/nowhere", "--ids", "1 2", "--out", "{temp}/l.json");
        yield return Case(1, "--ids", "logits", "--model", "{model}", "--ids", "1 999999", "--out", "{temp}/l.json");
        yield return Case(1, "--dtype", "logits", "--model", "{model}", "--ids", "1 2", "--dtype", "f16", "--out", "{temp}/l.json");
        yield return Case(1, "cuda:7", "logits", "--model", "{model}", "--ids", "1 2", "--device", "cuda:7", "--out", "{temp}/l.json");
        yield return Case(1, "num_attention_heads", "logits", "--model", "{temp}/zero-heads", "--ids", "1 2", "--out", "{temp}/l.json");
        yield return Case(1, "vocab_size", "logits", "--model", "{temp}/negative-vocab", "--ids", "1 2", "--out", "{temp}/l.json");
        yield return Case(1, "hidden_size", "logits", "--model", "{temp}/huge-hidden", "--ids", "1 2", "--out", "{temp}/l.json");
        yield return Case(1, "--max-new-tokens", "generate", "--model", "{model}", "--ids", "1 2", "--max-new-tokens", "1000000000");
        yield return Case(1, "tokenizer", "generate", "--model", "{model}", "--prompt", "hello");
        yield return Case(1, "adapter", "generate", "--model", "{model}", "--ids", "1 2", "--adapter", "{temp}/adapter-empty");
        yield return Case(1, "--adapter", "merge", "--model", "{model}", "--adapter", "{temp}/nowhere", "--out", "{temp}/merged");
        yield return Case(1, "--model", "convert", "--model", "{temp}/nowhere", "--out", "{temp}/converted");
        yield return Case(2, "--dtype", "convert", "--model", "{model}", "--out", "{temp}/converted", "--dtype", "f16");
        yield return Case(2, "--max-shard-size", "convert", "--model", "{model}", "--out", "{temp}/converted", "--max-shard-size", "lots");
        yield return Case(1, "nowhere", "plan", "--model", "{temp}/nowhere");
        yield return Case(1, "--dtype: 'nonsense' is not supported; use bf16 or f32", "bench", "load", "--size-mb", "1", "--dtype", "nonsense");
        yield return Case(1, "--dtype: 'f16' is not supported", "merge", "--model", "{model}", "--adapter", "{temp}/adapter-empty", "--out", "{temp}/m", "--dtype", "f16");
        yield return Case(2, "--seq-len", "plan", "--model", "{model}", "--seq-len", "0");
    }

    [TestCaseSource(nameof(Cases))]
    public void FailsWithOneLineAndNoStackTrace(int exitCode, string expected, string[] args)
    {
        var resolved = args.Select(a => a.Replace("{repo}", RepositoryPaths.Root).Replace("{temp}", _temp.Path).Replace("{model}", _model)).ToArray();
        var result = LoraProcess.Run(_temp.Path, new Dictionary<string, string?> { ["LORA_TRACE"] = null }, resolved);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.Output);
            Assert.That(lines, Has.Length.EqualTo(1), "one line on stderr:\n" + result.StdErr);
            Assert.That(result.StdErr, Does.Contain(expected));
            Assert.That(result.Output, Does.Not.Match(@"(?m)^\s+at \S+\("), "no stack frames");
            Assert.That(result.Output, Does.Not.Contain("internal error").And.Not.Contain("(Parameter '"), "a user error, not an internal one");
        });
    }
}
