using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Modeling;
using LoraPipeline.Sizing;
using LoraPipeline.Torch;
using static TorchSharp.torch;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// The shapes one <c>lora bench train</c> measurement runs (model, LoRA, batch), shared with the PyTorch script so
/// that both sides build the same thing. Records are random token ids whose labels are the last half of the
/// sequence (so the LM head runs on half of the positions, as the answer-only loss computes it).
/// </summary>
internal sealed record TrainBenchShape(
    int Layers, int Hidden, int Heads, int KvHeads, int Intermediate, int Vocab,
    int SeqLen, int MicroBatch, ScalarType Dtype, int LoraRank, double LoraAlpha, double LoraDropout, string Targets)
{
    public static readonly string[] AllTargets = [.. Modeling.DecoderLayer.ProjectionNames];
    public static readonly string[] AttentionTargets = ["q_proj", "k_proj", "v_proj", "o_proj"];

    public int HeadDim => Hidden / Heads;

    public string DtypeName => DTypes.ShortName(Dtype);

    public IReadOnlyList<string> TargetModules => Targets switch
    {
        "all" => AllTargets,
        "attn" => AttentionTargets,
        _ => throw new ArgumentException($"--targets: '{Targets}' is not supported; use all or attn"),
    };

    /// <summary>First label token: labels are the last half of each record.</summary>
    public int LabelStart => SeqLen / 2;

    /// <summary>Positions that go through the LM head per record (position t predicts token t+1).</summary>
    public int LabelPositions => SeqLen - Math.Max(LabelStart, 1);

    public void Validate()
    {
        if (Layers < 1 || Hidden < 2 || Heads < 1 || KvHeads < 1 || Intermediate < 1 || Vocab < 8 || SeqLen < 4 || MicroBatch < 1 || LoraRank < 1)
            throw new ArgumentException("bench train: every size must be positive (vocab >= 8, sequence length >= 4)");
        if (Hidden % Heads != 0 || HeadDim % 2 != 0)
            throw new ArgumentException($"--hidden {Hidden} must be a multiple of --heads {Heads} with an even head size");
        if (Heads % KvHeads != 0) throw new ArgumentException($"--heads {Heads} must be a multiple of --kv-heads {KvHeads}");
        _ = TargetModules;
    }

    public ModelConfig ModelConfig() => ModelConfigs.Llama(Hidden, Layers, Heads, KvHeads, Intermediate, Vocab, maxPositions: Math.Max(2048, SeqLen), headDim: HeadDim);

    /// <summary>The same shapes as the sizing model's inputs, so <c>lora plan</c>'s formulas estimate this run.</summary>
    public SizingInputs SizingInputs() => new()
    {
        SeqLength = SeqLen,
        MicroBatchSize = MicroBatch,
        LoraR = LoraRank,
        TargetModules = [.. TargetModules],
        AdapterDropout = LoraDropout > 0,
        Dtype = DTypes.FromScalarType(Dtype),
        LossTokens = LabelPositions,
    };

    public LoraOptions LoraOptions() => new()
    {
        R = LoraRank,
        Alpha = LoraAlpha,
        Dropout = LoraDropout,
        TargetModules = [.. TargetModules],
    };

    /// <summary>
    /// <paramref name="count"/> records of random ids (seeded) between a quarter of <see cref="SeqLen"/> and all of it
    /// long, labels on their last half: several fit one packed row.
    /// </summary>
    public List<TokenRecord> VariedRecords(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var length = random.Next(Math.Max(4, SeqLen / 4), SeqLen + 1);
            return new TokenRecord($"varied-{i}", Enumerable.Range(0, length).Select(_ => random.Next(3, Vocab)).ToList(), length / 2);
        }).ToList();
    }

    /// <summary><paramref name="count"/> records of random ids (seeded), each <see cref="SeqLen"/> long.</summary>
    public List<TokenRecord> Records(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => new TokenRecord($"bench-{i}", Enumerable.Range(0, SeqLen).Select(_ => random.Next(3, Vocab)).ToList(), LabelStart))
            .ToList();
    }

    /// <summary>The same shape with every size replaced as given (for the small leak-check model).</summary>
    public static TrainBenchShape Small(TrainBenchShape like) => like with
    {
        Layers = 2, Hidden = 64, Heads = 4, KvHeads = 2, Intermediate = 172, Vocab = 512, SeqLen = 64, MicroBatch = 1,
        LoraRank = Math.Min(like.LoraRank, 8),
    };
}
