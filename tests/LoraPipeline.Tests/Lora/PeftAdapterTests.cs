using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LoraPipeline.Lora;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;
using static LoraPipeline.Tests.Lora.LoraTestSupport;

namespace LoraPipeline.Tests.Lora;

/// <summary>PEFT export/import: the files follow the format, the round trip is bit-exact, mismatches are named.</summary>
public class PeftAdapterTests
{
    private static readonly string[] ConfigKeys =
    [
        "alpha_pattern", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode", "init_lora_weights",
        "layers_pattern", "layers_to_transform", "lora_alpha", "lora_dropout", "modules_to_save", "peft_type", "r",
        "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora",
    ];

    [Test]
    public void ExportedFilesFollowThePeftFormat()
    {
        using var temp = new TempDirectory();
        using var model = LoadFixture();
        var options = Options("v_proj", "q_proj", @"model\.layers\.1\.mlp\.down_proj");
        options.UseRslora = true;
        var adapter = LoraInjector.Apply(model, options, seed: 2);
        var dir = temp.Combine("adapter");
        PeftAdapter.Save(adapter, dir, "org/base-model", "abc123");

        var text = File.ReadAllText(Path.Combine(dir, "adapter_config.json"));
        Assert.That(text, Does.StartWith("{\n  \"alpha_pattern\": {},\n  \"base_model_name_or_path\": \"org/base-model\",\n"));
        using var config = JsonDocument.Parse(text);
        var root = config.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(ConfigKeys));
        Assert.That(root.GetProperty("peft_type").GetString(), Is.EqualTo("LORA"));
        Assert.That(root.GetProperty("task_type").GetString(), Is.EqualTo("CAUSAL_LM"));
        Assert.That(root.GetProperty("base_model_name_or_path").GetString(), Is.EqualTo("org/base-model"));
        Assert.That(root.GetProperty("revision").GetString(), Is.EqualTo("abc123"));
        Assert.That(root.GetProperty("inference_mode").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("r").GetInt32(), Is.EqualTo(4));
        Assert.That(root.GetProperty("lora_alpha").GetDouble(), Is.EqualTo(8));
        Assert.That(root.GetProperty("lora_dropout").GetDouble(), Is.EqualTo(0.1));
        Assert.That(root.GetProperty("use_rslora").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("use_dora").GetBoolean(), Is.False);
        Assert.That(root.GetProperty("bias").GetString(), Is.EqualTo("none"));
        Assert.That(root.GetProperty("fan_in_fan_out").GetBoolean(), Is.False);
        Assert.That(root.GetProperty("init_lora_weights").GetBoolean(), Is.True);
        // q_proj and v_proj in both layers but down_proj only in layer 1: no name list says that, a regex does.
        Assert.That(root.GetProperty("target_modules").GetString(), Is.EqualTo(
            @"model\.layers\.0\.self_attn\.q_proj|model\.layers\.0\.self_attn\.v_proj|model\.layers\.1\.mlp\.down_proj|" +
            @"model\.layers\.1\.self_attn\.q_proj|model\.layers\.1\.self_attn\.v_proj"));
        foreach (var key in new[] { "modules_to_save", "layers_to_transform", "layers_pattern" })
            Assert.That(root.GetProperty(key).ValueKind, Is.EqualTo(JsonValueKind.Null), key);
        foreach (var key in new[] { "rank_pattern", "alpha_pattern" })
            Assert.That(root.GetProperty(key).EnumerateObject(), Is.Empty, key);

        var bytes = File.ReadAllBytes(Path.Combine(dir, "adapter_model.safetensors"));
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var entries = header.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.That(entries["__metadata__"].GetProperty("format").GetString(), Is.EqualTo("pt"));
        var expectedModules = new[]
        {
            ("model.layers.0.self_attn.q_proj", 64L, 64L), ("model.layers.0.self_attn.v_proj", 64, 32),
            ("model.layers.1.self_attn.q_proj", 64, 64), ("model.layers.1.self_attn.v_proj", 64, 32),
            ("model.layers.1.mlp.down_proj", 128, 64),
        };
        Assert.That(entries.Keys.Where(k => k != "__metadata__").Order(),
            Is.EqualTo(expectedModules.SelectMany(m => new[] { $"base_model.model.{m.Item1}.lora_A.weight", $"base_model.model.{m.Item1}.lora_B.weight" }).Order()));
        foreach (var (path, inFeatures, outFeatures) in expectedModules)
        {
            var a = entries[$"base_model.model.{path}.lora_A.weight"];
            var b = entries[$"base_model.model.{path}.lora_B.weight"];
            Assert.That(a.GetProperty("dtype").GetString(), Is.EqualTo("F32"), path);
            Assert.That(b.GetProperty("dtype").GetString(), Is.EqualTo("F32"), path);
            Assert.That(a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new[] { 4L, inFeatures }), path);
            Assert.That(b.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new[] { outFeatures, 4L }), path);
        }
        Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "adapter" }), "no temporary folder left behind");
    }

    [Test]
    public void ExportThenImportIsBitExact()
    {
        using var temp = new TempDirectory();
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options(), seed: 4);
        RandomizeB(adapter, 12);
        var dir = temp.Combine("adapter");
        PeftAdapter.Save(adapter, dir, "base");
        var logits = Logits(model);

        using var contents = PeftAdapter.Load(dir);
        Assert.That(contents.Config.Settings, Is.EqualTo(adapter.Settings));
        using var fresh = LoadFixture();
        var imported = PeftAdapter.Apply(fresh, contents);
        Assert.That(imported.ModulePaths, Is.EqualTo(adapter.ModulePaths));
        var original = adapter.NamedParameters();
        var loaded = imported.NamedParameters();
        for (var i = 0; i < original.Count; i++)
        {
            Assert.That(loaded[i].Key, Is.EqualTo(original[i].Key));
            Assert.That(Values(loaded[i].Value), Is.EqualTo(Values(original[i].Value)), original[i].Key);
        }
        Assert.That(MaxAbsDifference(Logits(fresh), logits), Is.EqualTo(0.0));

        // Saving again over the same folder replaces it.
        PeftAdapter.Save(imported, dir, "base");
        using var again = PeftAdapter.Load(dir);
        Assert.That(Values(again.Modules[0].LoraB), Is.EqualTo(Values(contents.Modules[0].LoraB)));
    }

    [Test]
    public void MergedAdapterIsExportedUnmerged()
    {
        using var temp = new TempDirectory();
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("q_proj"), seed: 4);
        RandomizeB(adapter, 12);
        var expected = Values(adapter.Parameters()[1]);
        adapter.Merge();
        PeftAdapter.Save(adapter, temp.Combine("a"), "base");
        using var contents = PeftAdapter.Load(temp.Combine("a"));
        Assert.That(Values(contents.Modules[0].LoraB), Is.EqualTo(expected));
    }

    // An adapter on q_proj of the fixture model, saved; returns its folder and its adapter_config.json.
    private static (string Directory, string ConfigPath) SaveQProjAdapter(TempDirectory temp)
    {
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("q_proj"), seed: 4);
        var dir = temp.Combine("adapter");
        PeftAdapter.Save(adapter, dir, "base");
        return (dir, Path.Combine(dir, "adapter_config.json"));
    }

    // The q_proj adapter with one adapter_config.json field set to a JSON value.
    private static string SaveQProjAdapterWith(TempDirectory temp, string key, string json)
    {
        var (dir, path) = SaveQProjAdapter(temp);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = System.Text.Json.Nodes.JsonNode.Parse(json);
        File.WriteAllText(path, config.ToJsonString());
        return dir;
    }

    [TestCase("\"use_dora\": false", "\"use_dora\": true", "DoRA")]
    [TestCase("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save")]
    [TestCase("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "only LORA")]
    public void UnsupportedConfigsAreRefused(string from, string to, string message)
    {
        using var temp = new TempDirectory();
        var (dir, path) = SaveQProjAdapter(temp);
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from));
        File.WriteAllText(path, text.Replace(from, to));
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Load(dir))!;
        Assert.That(error.Message, Does.Contain(message));
        Assert.That(error.Message, Does.Contain("adapter_config.json"));
    }

    [TestCase("init_lora_weights", "\"pissa\"", "init_lora_weights is 'pissa'")]
    [TestCase("init_lora_weights", "\"pissa_niter_16\"", "init_lora_weights is 'pissa_niter_16'")]
    [TestCase("init_lora_weights", "\"olora\"", "init_lora_weights is 'olora'")]
    [TestCase("init_lora_weights", "\"corda\"", "init_lora_weights is 'corda'")]
    [TestCase("init_lora_weights", "\"loftq\"", "init_lora_weights is 'loftq'")]
    [TestCase("loftq_config", "{\"loftq_bits\": 4}", "loftq_config")]
    [TestCase("target_modules", "[\"q_proj\", \"lm_head\"]", "target_modules names lm_head")]
    [TestCase("target_modules", "[\"q_proj\", \"model.embed_tokens\"]", "target_modules names embed_tokens")]
    public void AdaptersWeWouldComputeWronglyAreRefusedNamingTheField(string key, string value, string message)
    {
        using var temp = new TempDirectory();
        var dir = SaveQProjAdapterWith(temp, key, value);
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Load(dir))!;
        Assert.That(error.Message, Does.Contain(message).And.Contain("adapter_config.json"));
    }

    [TestCase("true")]
    [TestCase("\"gaussian\"")]
    [TestCase("\"eva\"")]
    public void InitialisationsThatLeaveTheBaseAloneLoad(string value)
    {
        using var temp = new TempDirectory();
        var dir = SaveQProjAdapterWith(temp, "init_lora_weights", value);
        using var contents = PeftAdapter.Load(dir);
        Assert.That(contents.Modules, Is.Not.Empty);
    }

    [TestCase("[\"foo_proj\"]", false)]
    [TestCase("[\"q_proj\", \"v_proj\"]", true)]
    [TestCase("[\"self_attn.q_proj\"]", true)]
    [TestCase("\"model\\\\.layers\\\\.[0-9]+\\\\.self_attn\\\\.q_proj\"", true)]
    [TestCase("\"model\\\\.layers\\\\.0\\\\.mlp\\\\.up_proj\"", false)]
    public void WeightsForModulesTheConfigDoesNotNameAreRefused(string targetModules, bool accepted)
    {
        using var temp = new TempDirectory();
        var dir = SaveQProjAdapterWith(temp, "target_modules", targetModules);
        if (accepted)
        {
            using var contents = PeftAdapter.Load(dir);
            Assert.That(contents.Modules, Is.Not.Empty);
            return;
        }
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Load(dir))!;
        Assert.That(error.Message, Does.Contain("target_modules").And.Contain("does not name").And.Contain("model.layers.0.self_attn.q_proj"));
    }

    [Test]
    public void ShapeMismatchesAreNamed()
    {
        using var temp = new TempDirectory();
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options("k_proj", "q_proj"), seed: 4);
        PeftAdapter.Save(adapter, temp.Combine("adapter"), "base");
        using var mistral = LoadFixture("mistral"); // one kv head: k_proj has 16 outputs, not 32
        var error = Assert.Throws<LoraException>(() => PeftAdapter.Apply(mistral, temp.Combine("adapter")))!;
        Assert.That(error.Message, Does.Contain("'base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight' is [32, 4]"));
        Assert.That(error.Message, Does.Contain("has 16 outputs"));
        Assert.That(error.Message, Does.Not.Contain("q_proj"));
        Assert.That(mistral.Model.Layers[0].SelfAttention.GetProjection("q_proj"), Is.Not.InstanceOf<LoraLinear>(), "model untouched");
    }

    [Test]
    public void MissingFilesAreNamed()
    {
        using var temp = new TempDirectory();
        Assert.That(Assert.Throws<LoraException>(() => PeftAdapter.Load(temp.Combine("nope")))!.Message, Does.Contain("adapter folder not found"));
        Assert.That(Assert.Throws<LoraException>(() => PeftAdapter.Load(temp.Path))!.Message, Does.Contain("no adapter_config.json"));
    }

    // What target_modules / layers_to_transform say must be exactly the adapted modules, for PEFT and vLLM alike.
    [TestCase(new[] { "q_proj", "v_proj" }, "[\"q_proj\",\"v_proj\"]", null)]
    [TestCase(new[] { @"model\.layers\.1\.self_attn\.(q|v)_proj" }, "[\"q_proj\",\"v_proj\"]", "[1]")]
    [TestCase(new[] { @"model\.layers\.0\.mlp\.up_proj", @"model\.layers\.1\.self_attn\.q_proj" },
        "\"model\\\\.layers\\\\.0\\\\.mlp\\\\.up_proj|model\\\\.layers\\\\.1\\\\.self_attn\\\\.q_proj\"", null)]
    public void TargetsNameExactlyTheAdaptedModules(string[] patterns, string targetModules, string? layersToTransform)
    {
        using var temp = new TempDirectory();
        using var model = LoadFixture();
        var adapter = LoraInjector.Apply(model, Options(patterns), seed: 1);
        PeftAdapter.Save(adapter, temp.Combine("a"), "base");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(temp.Combine("a", "adapter_config.json")))!;
        Assert.That(config["target_modules"]!.ToJsonString(), Is.EqualTo(targetModules));
        Assert.That(config["layers_to_transform"]?.ToJsonString(), Is.EqualTo(layersToTransform));
        Assert.That(config["layers_pattern"]?.GetValue<string>(), Is.EqualTo(layersToTransform is null ? null : "layers"));
        // Read back, the config names each adapted module and no other (PEFT's name and full-match rules).
        using var contents = PeftAdapter.Load(temp.Combine("a"));
        Assert.That(contents.Modules.Select(m => m.ModulePath), Is.EqualTo(adapter.ModulePaths));
        var named = ProjectionSite.All(model).Select(s => s.Path)
            .Where(p => TargetModuleMatcher.Names(p, contents.Config.TargetModules)
                        && (layersToTransform is null || System.Text.Json.JsonSerializer.Deserialize<int[]>(layersToTransform)!.Any(l => p.StartsWith($"model.layers.{l}.", StringComparison.Ordinal))));
        Assert.That(named, Is.EquivalentTo(adapter.ModulePaths));
    }
}
