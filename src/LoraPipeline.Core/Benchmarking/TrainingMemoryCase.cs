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
/// runs them; prints <c>result ESTIMATE MEASURED</c> (bytes).
/// Spec: hidden,layers,heads,kv,intermediate,vocab,dtype,batch,seq,answer tokens,rank.
/// </summary>
internal static class TrainingMemoryCase
{
    /// <summary>Steps measured: the second runs with gradients and moments already allocated, the steady state.</summary>
    public const int Steps = 2;

    private static readonly string[] AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public static int Measure(string text)
    {
        var spec = new BenchModelSpec(text);
        var config = spec.Config;
        var dtype = DTypes.Parse(spec.DtypeName, "dtype").ToScalarType();
        int batch = spec.Int(7), seq = spec.Int(8), answer = spec.Int(9), rank = spec.Int(10);
        var lora = new LoraOptions { R = rank, Alpha = 2 * rank, Dropout = 0.05, TargetModules = [.. AllProjections] };

        Run(BenchModelSpec.Tiny(config), dtype, lora, 1, 8, 4); // warm-up: every forward, backward and optimizer kernel
        BenchModelSpec.Settle();
        var before = ProcessMemory.ResidentBytes() ?? 0;
        ProcessMemory.ResetPeak();
        Run(config, dtype, lora, batch, seq, answer);
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
        };
        var estimate = TrainingEstimate.StepProcessBytes(config, inputs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result {estimate} {peak - before}"));
        return 0;
    }

    private static void Run(ModelConfig config, ScalarType dtype, LoraOptions lora, int batch, int seq, int answer)
    {
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1, dtype, CPU);
        var adapter = LoraInjector.Apply(model, lora, seed: 3);
        model.train();
        using var optimizer = new AdamW(adapter.NamedParameters().Select(p => (p.Key, p.Value)).ToList(), 0.9, 0.98, 1e-8, 0.01);
        var random = new Random(5);
        var records = Enumerable.Range(0, batch)
            .Select(i => new TokenRecord($"r{i}", Enumerable.Range(0, seq).Select(_ => random.Next(config.VocabSize)).ToArray(), seq - answer))
            .ToList();
        for (var step = 0; step < Steps; step++)
        {
            adapter.ReseedDropout(7, step);
            TrainingStep.Run(model, optimizer, records, batch, 1e-3, 1.0, CPU); // the Trainer's own step
        }
    }
}
