using System.Text.Json;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Modeling;

/// <summary>A fixture model written by tests/scripts/make_model_goldens.py and its reference outputs.</summary>
public sealed record ModelGolden(string Case, int[] InputIds, float[][] Logits, float[] Top2Margin, int[] Greedy, int[] EosTokenIds)
{
    public static readonly string[] Cases = ["llama_gqa", "llama_tied", "llama3_rope", "llama_bf16_sharded", "mistral", "qwen2"];

    public static string Directory(string name) => RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "models", name);

    public static ModelGolden Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory(name), "golden.json")));
        var root = document.RootElement;
        return new ModelGolden(
            name,
            root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray(),
            root.GetProperty("top2_margin").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            root.GetProperty("greedy").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("eos_token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }

    public float MaxAbsLogit => Logits.SelectMany(r => r).Max(Math.Abs);

    /// <summary>Largest |actual - golden| over every position and vocabulary entry.</summary>
    public double MaxAbsDifference(float[,] actual)
    {
        Assert.That(actual.GetLength(0), Is.EqualTo(Logits.Length), "positions");
        Assert.That(actual.GetLength(1), Is.EqualTo(Logits[0].Length), "vocabulary");
        var worst = 0.0;
        for (var i = 0; i < Logits.Length; i++)
            for (var j = 0; j < Logits[i].Length; j++)
                worst = Math.Max(worst, Math.Abs(actual[i, j] - Logits[i][j]));
        return worst;
    }
}
