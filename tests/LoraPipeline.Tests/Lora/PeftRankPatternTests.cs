using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Lora;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Lora;

/// <summary>
/// Per-module ranks and alphas (<c>rank_pattern</c>, <c>alpha_pattern</c>) are read as PEFT reads them: the first key
/// matching the module path's tail (<c>(.*\.)?(key)$</c>) gives that module's r or alpha, and its scale follows.
/// </summary>
public class PeftRankPatternTests
{
    private const string Q0 = "model.layers.0.self_attn.q_proj";
    private const string Q1 = "model.layers.1.self_attn.q_proj";
    private const string V1 = "model.layers.1.self_attn.v_proj";

    [TestCase("q_proj", Q0, true)]
    [TestCase("self_attn.q_proj", Q0, true)]
    [TestCase("layers.0.self_attn.q_proj", Q0, true)]
    [TestCase("layers.0.self_attn.q_proj", "model.layers.10.self_attn.q_proj", false)]
    [TestCase("proj", Q0, false)]                        // a key names whole dotted segments
    [TestCase("_proj", Q0, false)]
    [TestCase(@"layers\.[01]\..*", V1, true)]           // a regular expression over the tail
    [TestCase(@"layers\.[01]\..*", "model.layers.2.mlp.up_proj", false)]
    [TestCase(Q0, Q0, true)]
    [TestCase("q_proj|v_proj", V1, true)]
    public void KeysMatchTheTailOfTheModulePath(string key, string path, bool matches) =>
        Assert.That(PeftPatternKey.Matches(key, path), Is.EqualTo(matches));

    [Test]
    public void TheFirstMatchingKeyWinsInTheFilesOrder()
    {
        var pattern = new List<KeyValuePair<string, int>> { new("layers.1.self_attn.q_proj", 2), new("q_proj", 8) };
        Assert.That(PeftPatternKey.Lookup(pattern, Q1, 4), Is.EqualTo(2));
        Assert.That(PeftPatternKey.Lookup(pattern, Q0, 4), Is.EqualTo(8));
        Assert.That(PeftPatternKey.Lookup(pattern, V1, 4), Is.EqualTo(4), "no key: r");
    }

    [Test]
    public void EachModuleComputesWithItsOwnRankAndAlpha()
    {
        using var temp = new TempDirectory();
        // r 4, alpha 8 by default; layer 0's q_proj has rank 2 (scale 8/2 = 4); every layer-1 module alpha 2
        // (q_proj: 2/4 = 0.5); layer 1's v_proj rank 3 and alpha 2 (2/3). Weights as peft would save them.
        var shapes = new Dictionary<string, (int Rank, long In, long Out, double Scale)>
        {
            [Q0] = (2, 64, 64, 8.0 / 2), [Q1] = (4, 64, 64, 2.0 / 4), [V1] = (3, 64, 32, 2.0 / 3),
        };
        var dir = WritePeftAdapter(temp.Combine("adapter"), shapes.ToDictionary(p => p.Key, p => (p.Value.Rank, p.Value.In, p.Value.Out)),
            """{"layers.0.self_attn.q_proj": 2, "model\\.layers\\.1\\.self_attn\\.v_proj": 3}""",
            """{"layers\\.1\\..*": 2}""");

        using var contents = PeftAdapter.Load(dir);
        using var model = LoadFixture();
        var baseWeights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var adapter = PeftAdapter.Apply(model, contents);
        var layers = adapter.Layers.ToDictionary(l => l.Key, l => l.Value);
        Assert.That(layers.Keys, Is.EquivalentTo(shapes.Keys));
        using var generator = new Generator(3, CPU);
        foreach (var (path, (rank, inFeatures, _, scale)) in shapes)
        {
            var layer = layers[path];
            Assert.That(layer.Settings.Rank, Is.EqualTo(rank), path);
            Assert.That(layer.Scale, Is.EqualTo(scale).Within(1e-12), path);
            // The layer's output against W x + scale · B A x written out here from the file's tensors.
            using var scope = NewDisposeScope();
            var x = randn([5, inFeatures], generator: generator);
            var module = contents.Modules.Single(m => m.ModulePath == path);
            var expected = x.matmul(baseWeights[path + ".weight"].t()) + scale * x.matmul(module.LoraA.t()).matmul(module.LoraB.t());
            using var noGrad = no_grad();
            var actual = layer.forward(x);
            Assert.That(actual.sub(expected).abs().max().item<float>(), Is.LessThan(1e-5f), path);
        }
        foreach (var tensor in baseWeights.Values) tensor.Dispose();

        // Saved again, the patterns name the modules that differ from r / lora_alpha, and load back the same.
        PeftAdapter.Save(adapter, temp.Combine("again"), "base");
        using var again = PeftAdapter.Load(temp.Combine("again"));
        foreach (var path in shapes.Keys)
            Assert.That(again.Config.SettingsFor(path), Is.EqualTo(contents.Config.SettingsFor(path)), path);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Combine("again"), "adapter_config.json")))!;
        Assert.That(saved["rank_pattern"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { Q0, V1 }));
        Assert.That(saved["alpha_pattern"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { Q1, V1 }));
    }

    [Test]
    public void AWeightWhoseRankDisagreesWithItsPatternIsNamed()
    {
        using var temp = new TempDirectory();
        var dir = WritePeftAdapter(temp.Combine("adapter"), new() { [Q0] = (4, 64, 64) }, """{"q_proj": 2}""", "{}");
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Load(dir))!;
        Assert.That(error.Message, Does.Contain("rank_pattern = 2").And.Contain(Q0));
    }

    [TestCase("rank_pattern", """{"q_proj": 2.5}""", "rank_pattern[\"q_proj\"] must be a positive integer")]
    [TestCase("rank_pattern", """{"q_proj": "8"}""", "rank_pattern[\"q_proj\"] must be a number")]
    [TestCase("alpha_pattern", """{"q_proj": 0}""", "alpha_pattern[\"q_proj\"] must be positive")]
    [TestCase("alpha_pattern", """{"(q_proj": 4}""", "alpha_pattern key \"(q_proj\" is not a valid regular expression")]
    [TestCase("rank_pattern", "[8]", "rank_pattern must be an object")]
    public void BadPatternsAreOneLineNamingTheKey(string key, string json, string message)
    {
        using var temp = new TempDirectory();
        var dir = WritePeftAdapter(temp.Combine("adapter"), new() { [Q0] = (4, 64, 64) }, "{}", "{}");
        var path = Path.Combine(dir, "adapter_config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = JsonNode.Parse(json);
        File.WriteAllText(path, config.ToJsonString());
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Load(dir))!;
        Assert.That(error.Message, Does.Contain(message).And.Contain("adapter_config.json"));
        Assert.That(error.Message, Does.Not.Contain("\n"));
    }

    // A PEFT-shaped folder: adapter_config.json (r 4, alpha 8) with the given patterns, and seeded random A and B.
    private static string WritePeftAdapter(string dir, Dictionary<string, (int Rank, long In, long Out)> modules, string rankPattern, string alphaPattern)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"), $$"""
            {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "base", "r": 4, "lora_alpha": 8,
             "lora_dropout": 0.0, "target_modules": ["q_proj", "v_proj"], "bias": "none", "use_rslora": false,
             "rank_pattern": {{rankPattern}}, "alpha_pattern": {{alphaPattern}}}
            """);
        using var scope = NewDisposeScope();
        using var generator = new Generator(11, CPU);
        var tensors = modules.SelectMany(m => new[]
        {
            KeyValuePair.Create($"base_model.model.{m.Key}.lora_A.weight", randn([m.Value.Rank, m.Value.In], generator: generator) * 0.1),
            KeyValuePair.Create($"base_model.model.{m.Key}.lora_B.weight", randn([m.Value.Out, m.Value.Rank], generator: generator) * 0.1),
        }).ToList();
        SafetensorsWriter.Save(Path.Combine(dir, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return dir;
    }
}
