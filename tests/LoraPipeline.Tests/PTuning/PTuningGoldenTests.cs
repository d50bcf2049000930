using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.PTuning;
using LoraPipeline.Tests.Modeling;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.PTuning;

/// <summary>
/// P-tuning against the independent pure-Python float64 reference in tests/scripts/make_ptuning_golden.py (fixture under
/// Fixtures/ptuning/llama_gqa/): the MLP prompt encoder's output from PEFT-named weights, and the llama_gqa model's
/// logits and greedy continuation with the adapter's virtual tokens in front (a PEFT-written config, peft_version included).
/// </summary>
public class PTuningGoldenTests
{
    private static readonly string Folder = RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "ptuning", "llama_gqa");
    private static JsonNode Golden => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "golden.json")))!;

    private static float[][] Matrix(JsonNode node) => node.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).ToArray();

    private static double MaxDifference(Tensor actual, float[][] expected)
    {
        var max = 0.0;
        for (var r = 0; r < expected.Length; r++)
        {
            var row = actual[r].to(ScalarType.Float32).data<float>().ToArray();
            for (var c = 0; c < expected[r].Length; c++) max = Math.Max(max, Math.Abs(row[c] - expected[r][c]));
        }
        return max;
    }

    [Test]
    public void TheMlpPromptEncoderComputesTheReferenceFromPeftNamedWeights()
    {
        using var encoder = new PromptEncoder(4, 64, 24, PromptEncoderType.Mlp, 2, 0, seed: 1, CPU);
        using var weights = SafetensorsFile.Open(Path.Combine(Folder, "encoder.safetensors"));
        var parameters = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.That(parameters.Keys, Is.EquivalentTo(weights.Names), "the parameter names are PEFT's");
        using (no_grad())
            foreach (var (name, parameter) in parameters) parameter.copy_(weights.Read(name));
        encoder.eval();
        using var noGrad = no_grad();
        using var output = encoder.Encode();
        var difference = MaxDifference(output, Matrix(Golden["prompt_embeddings"]!));
        TestContext.Out.WriteLine($"prompt encoder: max |diff| = {difference:E2}");
        Assert.That(difference, Is.LessThanOrEqualTo(1e-5));
    }

    [Test]
    public void LogitsAndGreedyTokensWithTheVirtualTokensMatchTheReference()
    {
        using var model = LlamaForCausalLM.Load(ModelGolden.Directory("llama_gqa"), ScalarType.Float32, CPU);
        var loaded = LoadedAdapter.Apply(model, Path.Combine(Folder, "adapter"));
        Assert.That(loaded.Prompt!.Count, Is.EqualTo(4));
        model.eval();
        var golden = Golden;
        var ids = golden["input_ids"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var logits = ModelRunner.Logits(model, ids);
        var expected = Matrix(golden["logits"]!);
        var max = 0.0;
        for (var r = 0; r < expected.Length; r++)
            for (var c = 0; c < expected[r].Length; c++) max = Math.Max(max, Math.Abs(logits[r, c] - expected[r][c]));
        TestContext.Out.WriteLine($"llama_gqa + P-tuning: f32 max |logit diff| = {max:E2}");
        Assert.That(logits.GetLength(0), Is.EqualTo(ids.Length));
        Assert.That(max, Is.LessThanOrEqualTo(1e-4));
        var greedy = golden["greedy"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        Assert.That(ModelRunner.Generate(model, ids, SamplingOptions.GreedyDecoding(greedy.Length)), Is.EqualTo(greedy), "KV-cached decoding after the virtual tokens");
    }
}
