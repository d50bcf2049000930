using System.Globalization;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// One training case of <c>lora bench memory --training</c>, in this (fresh) process: a random model with LoRA on all
/// seven projections (dropout 0.05, as the default config), a micro batch of N sequences of s tokens whose last k
/// tokens are answer labels, and <see cref="Steps"/> real steps (answer-only loss, backward, AdamW) as the Trainer
/// runs them, with the given recomputation mode and LM-head chunk; prints <c>result ESTIMATE MEASURED ACTIVATIONS FIXED</c>
/// (bytes: the step's estimate, the measured peak increase, the estimated activations, and the exactly known
/// tensors besides them — weights, adapter gradients and AdamW moments — so the bench can tell measured activations).
/// Spec: hidden,layers,heads,kv,intermediate,vocab,dtype,batch,seq,answer tokens,rank[,none|selective|full[,chunk[,nf4]]].
/// With <c>nf4</c> (QLoRA) the random model is first written as a checkpoint and converted to NF4, and the measured
/// process loads that 4-bit checkpoint as Train does; the line then ends with the measured frozen-weight bytes (the
/// resident increase of loading it) and the exactly known full-precision part of them (embeddings, norms, LM head).
/// </summary>
internal static class TrainingMemoryCase
{
    /// <summary>Steps measured: the second runs with gradients and moments already allocated, the steady state.</summary>
    public const int Steps = 2;

    private static readonly string[] AllProjections = TrainBenchShape.AllTargets;

    public static int Measure(string text)
    {
        var spec = new BenchModelSpec(text);
        var config = spec.Config;
        var dtype = DTypes.Parse(spec.DtypeName, "dtype").ToScalarType();
        int batch = spec.Int(7), seq = spec.Int(8), answer = spec.Int(9), rank = spec.Int(10);
        var mode = spec.Count > 11
            ? ConfigNaming.ParseEnum(typeof(ActivationCheckpointing), spec.Text(11)) as ActivationCheckpointing?
              ?? throw new ArgumentException($"case {text}: '{spec.Text(11)}' is not one of {ConfigNaming.EnumNames<ActivationCheckpointing>()}")
            : ActivationCheckpointing.None;
        var chunk = spec.Count > 12 ? spec.Int(12) : 0;
        var nf4 = spec.Count > 13 && spec.Text(13) == "nf4";
        if (spec.Count > 13 && !nf4) throw new ArgumentException($"case {text}: field 14 must be nf4, not '{spec.Text(13)}'");
        var lora = new LoraOptions { R = rank, Alpha = 2 * rank, Dropout = 0.05, TargetModules = [.. AllProjections] };

        // Warm-up: every forward, backward and optimizer kernel (a batch of two runs the masked path, one row the lean one).
        using (var warm = LlamaForCausalLM.CreateRandom(BenchModelSpec.Tiny(config), seed: 1, dtype, CPU))
        {
            if (nf4) ModelQuantizer.Quantize(warm);
            Train(warm, lora, batch > 1 ? 2 : 1, 8, 4, mode, chunk > 0 ? 2 : 0);
        }
        using var folder = nf4 ? new ScratchFolder() : null;
        if (folder is not null) WriteQuantized(config, dtype, folder.Path);
        BenchModelSpec.Settle();
        var before = ProcessMemory.ResidentBytes() ?? 0;
        ProcessMemory.ResetPeak();
        long? frozen = null;
        using (var model = folder is null ? LlamaForCausalLM.CreateRandom(config, seed: 1, dtype, CPU) : LlamaForCausalLM.Load(folder.Quantized, dtype, CPU))
        {
            if (folder is not null)
            {
                BenchModelSpec.Settle();
                frozen = (ProcessMemory.ResidentBytes() ?? 0) - before;
            }
            Train(model, lora, batch, seq, answer, mode, chunk);
        }
        var peak = ProcessMemory.PeakResidentBytes() ?? 0;
        var inputs = new SizingInputs
        {
            SeqLength = seq,
            MicroBatchSize = batch,
            LoraR = rank,
            TargetModules = AllProjections,
            AdapterDropout = true,
            Dtype = DTypes.FromScalarType(dtype),
            LossTokens = answer,
            Checkpointing = mode,
            LossChunkTokens = chunk,
            Quantization = nf4 ? WeightQuantization.Nf4 : WeightQuantization.None,
        };
        var estimate = TrainingEstimate.StepProcessBytes(config, inputs);
        var parts = TrainingEstimate.Compute(config, inputs);
        var fullPrecision = (config.ParameterCount() - QuantizedWeights.QuantizedParameters(config)) * (dtype == ScalarType.BFloat16 ? 2 : 4);
        var line = string.Create(CultureInfo.InvariantCulture, $"result {estimate} {peak - before} {parts.ActivationBytes} {parts.TensorBytes - parts.ActivationBytes}");
        Console.WriteLine(frozen is { } f ? string.Create(CultureInfo.InvariantCulture, $"{line} {f} {fullPrecision}") : line);
        return 0;
    }

    // The random model as a Hugging Face folder, converted to NF4 as Convert does (model.quantization: nf4).
    private static void WriteQuantized(ModelConfig config, ScalarType dtype, string root)
    {
        var plain = System.IO.Path.Combine(root, "plain");
        Directory.CreateDirectory(plain);
        using (var model = LlamaForCausalLM.CreateRandom(config, seed: 1, dtype, CPU))
            SafetensorsWriter.Save(System.IO.Path.Combine(plain, "model.safetensors"), model.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter)));
        File.WriteAllText(System.IO.Path.Combine(plain, "config.json"), ModelConfigs.LlamaJson(config, DTypes.TorchDtypeName(dtype)).ToJsonString());
        CheckpointConverter.Convert(plain, System.IO.Path.Combine(root, "nf4"), DTypes.FromScalarType(dtype), 1L << 40, quantization: WeightQuantization.Nf4);
    }

    private sealed class ScratchFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("lora-bench-nf4-").FullName;
        public string Quantized => System.IO.Path.Combine(Path, "nf4");
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    private static void Train(LlamaForCausalLM model, LoraOptions lora, int batch, int seq, int answer, ActivationCheckpointing mode, int chunk)
    {
        var config = model.Config;
        model.Model.Checkpointing = mode;
        var adapter = LoraInjector.Apply(model, lora, seed: 3);
        model.train();
        using var optimizer = new AdapterOptimizer(adapter.NamedParameters().Select(p => (p.Key, p.Value)).ToList(), 0.9, 0.98, 1e-8, 0.01);
        var random = new Random(5);
        var records = Enumerable.Range(0, batch)
            .Select(i => new TokenRecord($"r{i}", Enumerable.Range(0, seq).Select(_ => random.Next(config.VocabSize)).ToArray(), seq - answer))
            .ToList();
        for (var step = 0; step < Steps; step++)
        {
            adapter.ReseedDropout(7, step);
            TrainingStep.Run(model, optimizer, records, batch, 1e-3, 1.0, CPU, chunk); // the Trainer's own step
        }
    }
}
