using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Tests.Support;
using static LoraPipeline.Tests.Lora.LoraTestSupport;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Lora;

/// <summary>Issue 16 point 4: transformers renamed <c>torch_dtype</c> to <c>dtype</c>; a config with only the new name keeps its dtype.</summary>
public class MergeDtypeTests
{
    [Test]
    public void AMergeOfADtypeOnlyCheckpointKeepsItsDtypeAndWritesBothNamesAlike()
    {
        using var temp = new TempDirectory("merge-dtype");
        var model = WriteRandomModel(temp.Combine("model"));
        var configPath = Path.Combine(model, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config.Remove("torch_dtype");
        config["dtype"] = "bfloat16";
        File.WriteAllText(configPath, config.ToJsonString());
        Assert.That(ModelConfig.Load(model).TorchDtype, Is.EqualTo("bfloat16"), "read from dtype");

        using (var loaded = LoadModel(model))
        {
            var adapter = LoraInjector.Apply(loaded, Options(), seed: 3);
            RandomizeB(adapter, 4);
            PeftAdapter.Save(adapter, temp.Combine("adapter"), model);
        }
        var merged = temp.Combine("merged");
        MergedCheckpointWriter.Write(model, temp.Combine("adapter"), merged);

        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "config.json")))!.AsObject();
        Assert.That((string?)written["dtype"], Is.EqualTo("bfloat16"));
        Assert.That((string?)written["torch_dtype"], Is.EqualTo("bfloat16"), "the two names never contradict each other");
        var header = SafetensorsHeader.Read(Path.Combine(merged, "model.safetensors"));
        Assert.That(header.Entries.Select(e => e.Type).Distinct(), Is.EqualTo(new[] { ScalarType.BFloat16 }), "weights in the dtype the config names");
    }
}
