using LoraPipeline.Modeling;
using System.Globalization;
using LoraPipeline.Checkpoints;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// A memory-bench case as text: comma-separated integers and one dtype, starting with the model's
/// hidden, layers, heads, kv heads, intermediate and vocab sizes, then the dtype, then the case's own numbers.
/// </summary>
internal sealed class BenchModelSpec
{
    private readonly string[] _fields;

    public BenchModelSpec(string spec) => _fields = spec.Split(',');

    public int Int(int index) => int.Parse(_fields[index], CultureInfo.InvariantCulture);

    public string DtypeName => _fields[6];

    /// <summary>Number of comma-separated fields.</summary>
    public int Count => _fields.Length;

    /// <summary>The field at <paramref name="index"/> as text.</summary>
    public string Text(int index) => _fields[index];

    /// <summary>A Llama config with the case's sizes (head_dim = hidden / heads, no biases, untied).</summary>
    public ModelConfig Config => ModelConfigs.Llama(Int(0), Int(1), Int(2), Int(3), Int(4), Int(5), maxPositions: 4096);

    /// <summary>A one-layer model of the same kind with tiny sizes, for warming up kernels before the baseline.</summary>
    public static ModelConfig Tiny(ModelConfig config) =>
        config with { HiddenSize = 8 * config.NumAttentionHeads, NumHiddenLayers = 1, HeadDim = 8, IntermediateSize = 128, VocabSize = 256 };

    /// <summary>Collects garbage so that finalizer-released tensors are gone before a reading.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
