using System.Diagnostics;
using LoraPipeline.Data;
using LoraPipeline.Lora;
using LoraPipeline.Modeling;
using LoraPipeline.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// A random model of a <see cref="TrainBenchShape"/> with a LoRA adapter and AdamW, trained through the same
/// <see cref="TrainingStep"/> the Trainer runs (clipping at 1.0, constant learning rate), with the recomputation,
/// LM-head chunk and packing of a <see cref="TrainBenchRun"/>; by default micro batch = global batch, unpacked.
/// </summary>
internal sealed class TrainBenchSession : IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly LoraAdapter _adapter;
    private readonly AdapterOptimizer _optimizer;
    private readonly IReadOnlyList<TokenRecord> _records;
    private readonly TrainBenchShape _shape;
    private readonly TrainBenchRun _run;
    private readonly int _globalBatch;
    private int _step;

    public TrainBenchSession(TrainBenchShape shape, int seed, TrainBenchRun? run = null)
    {
        _shape = shape;
        _run = run ?? TrainBenchRun.Plain;
        _globalBatch = _run.GlobalBatch > 0 ? _run.GlobalBatch : shape.MicroBatch;
        _model = LlamaForCausalLM.CreateRandom(shape.ModelConfig(), seed, shape.Dtype, CPU);
        _model.Model.Checkpointing = _run.Checkpointing;
        _adapter = LoraInjector.Apply(_model, shape.LoraOptions(), seed);
        _optimizer = new AdapterOptimizer(_adapter.NamedParameters().Select(p => (p.Key, p.Value)).ToList(), 0.9, 0.999, 1e-8, 0.01);
        _records = _run.Records ?? shape.Records(Math.Max(8, _globalBatch), seed);
        _model.train();
    }

    /// <summary>Parameters of the base model (the adapters excluded).</summary>
    public long BaseParameters => _model.parameters().Sum(p => p.numel()) - AdapterParameters;

    public long AdapterParameters => _adapter.TrainableParameterCount;

    /// <summary>Runs one step; returns the non-padding tokens it processed.</summary>
    public TrainingStepResult Step()
    {
        _step++;
        _adapter.ReseedDropout(1, _step);
        var examples = Enumerable.Range(0, _globalBatch)
            .Select(i => _records[(int)(((long)_step * _globalBatch + i) % _records.Count)]).ToList();
        return TrainingStep.Run(_model, _optimizer, examples, _shape.MicroBatch, 1e-4, 1.0, CPU, _run.LossChunkTokens, _run.PackLength);
    }

    /// <summary>Runs <paramref name="steps"/> steps; returns tokens processed, seconds, and the last loss.</summary>
    public (long Tokens, double Seconds, double LastLoss) Run(int steps)
    {
        long tokens = 0;
        double loss = double.NaN;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            var result = Step();
            tokens += result.Tokens;
            loss = result.Loss;
        }
        watch.Stop();
        return (tokens, watch.Elapsed.TotalSeconds, loss);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}
