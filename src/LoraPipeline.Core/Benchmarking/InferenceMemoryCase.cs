using System.Globalization;
using LoraPipeline.Checkpoints;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// One inference case of <c>lora bench memory</c>, in this (fresh) process: a prefill of batch × tokens into a KV
/// cache; prints <c>result ESTIMATE MEASURED</c> (bytes). Spec: hidden,layers,heads,kv,intermediate,vocab,dtype,batch,tokens.
/// </summary>
internal static class InferenceMemoryCase
{
    public static int Measure(string text)
    {
        var spec = new BenchModelSpec(text);
        var config = spec.Config;
        var dtype = DTypes.Parse(spec.DtypeName, "dtype").ToScalarType();
        int batch = spec.Int(7), tokens = spec.Int(8);
        var elementBytes = dtype == ScalarType.BFloat16 ? 2 : 4;

        WarmUp(BenchModelSpec.Tiny(config), dtype);
        BenchModelSpec.Settle();
        var before = ProcessMemory.ResidentBytes() ?? 0;
        ProcessMemory.ResetPeak();
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1, dtype, CPU);
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var ids = randint(0, config.VocabSize, [batch, tokens], ScalarType.Int64);
            using var cache = model.NewCache(tokens);
            model.Forward(ids, null, cache, logitsToKeep: LogitsToKeep.Last());
            var peak = ProcessMemory.PeakResidentBytes() ?? 0;
            var estimate = InferenceEstimate.PrefillProcessBytes(config, elementBytes, batch, tokens);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {estimate} {peak - before}"));
        }
        return 0;
    }

    // Loads libtorch and initialises the kernels (thread pools, BLAS buffers) of every operation of a forward pass
    // with a tiny model of the same kind, so that the baseline includes them and the measurement is the model's own.
    private static void WarmUp(ModelConfig tiny, ScalarType dtype)
    {
        using var model = LlamaForCausalLM.CreateRandom(tiny, seed: 2, dtype, CPU);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = model.NewCache(8);
        model.Forward(randint(0, tiny.VocabSize, [1, 8], ScalarType.Int64), null, cache, logitsToKeep: LogitsToKeep.Last());
    }
}
