using LoraPipeline.Quantization;
using LoraPipeline.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Lora;

/// <summary>
/// A frozen linear projection plus a low-rank update: <c>y = base(x) + scale · B(A(dropout(x)))</c>, with
/// <c>lora_A</c> [r, in] and <c>lora_B</c> [out, r] as float32 parameters whatever the base dtype (the adapter path
/// runs in float32 and its result is cast back to the base output dtype). A starts Kaiming-uniform (a = √5, bound
/// 1/√in, from a seeded generator) and B at zero, so a fresh layer computes exactly the base projection. Dropout is
/// applied only in training mode, from its own seeded generator. <see cref="Merge"/> folds the update into the base
/// weight; <see cref="Unmerge"/> takes it out again. The base is an <c>nn.Linear</c> or, for QLoRA, an
/// <see cref="Nf4Linear"/> whose 4-bit weight is never merged into (that would re-quantize it).
/// </summary>
internal sealed class LoraLinear : nn.Module<Tensor, Tensor>, IReplayableRandomness
{
    private readonly nn.Module<Tensor, Tensor> _base;
    private readonly Parameter _loraA;
    private readonly Parameter _loraB;
    private readonly Generator _dropoutGenerator;
    private bool _detached;

    /// <summary>
    /// Wraps <paramref name="baseLayer"/> (frozen here: its parameters get <c>requires_grad = false</c>) with a
    /// rank-<see cref="LoraSettings.Rank"/> adapter. <paramref name="initSeed"/> seeds A's Kaiming-uniform draw (on
    /// the CPU, so it is the same on every device); <paramref name="dropoutSeed"/> seeds the dropout masks.
    /// </summary>
    public LoraLinear(nn.Module<Tensor, Tensor> baseLayer, LoraSettings settings, ulong initSeed, ulong dropoutSeed) : base("lora_linear")
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _base = baseLayer;
        Settings = settings;
        (OutFeatures, InFeatures, var device) = Describe(baseLayer);
        foreach (var parameter in baseLayer.parameters()) parameter.requires_grad = false;
        using (no_grad())
        {
            using var initGenerator = new Generator(initSeed, CPU);
            var bound = KaimingUniformBound(InFeatures);
            using var a = empty([settings.Rank, InFeatures], ScalarType.Float32, CPU).uniform_(-bound, bound, initGenerator);
            _loraA = new Parameter(a.to(device), requires_grad: true);
            _loraB = new Parameter(zeros([OutFeatures, settings.Rank], ScalarType.Float32, device), requires_grad: true);
        }
        _dropoutGenerator = new Generator(dropoutSeed, CPU); // decides the masks on every device (DeviceRandom)
        register_module("base_layer", _base);
        register_parameter("lora_A", _loraA);
        register_parameter("lora_B", _loraB);
    }

    /// <summary>Rank, alpha, dropout and scaling rule.</summary>
    public LoraSettings Settings { get; }

    /// <summary>The factor applied to the low-rank update (<see cref="LoraSettings.Scale"/>).</summary>
    public double Scale => Settings.Scale;

    /// <summary>Input features of the base projection (columns of A).</summary>
    public long InFeatures { get; }

    /// <summary>Output features of the base projection (rows of B).</summary>
    public long OutFeatures { get; }

    /// <summary>The wrapped projection (frozen; holds the merged weight while <see cref="IsMerged"/>).</summary>
    public nn.Module<Tensor, Tensor> BaseLayer => _base;

    /// <summary>The full-precision base weight [out, in]; throws for a 4-bit base, which has none.</summary>
    public Tensor BaseWeight => _base is Linear linear ? linear.weight!
        : throw new LoraException("the base projection is 4-bit (NF4): dequantize the model to read or merge its weights");

    /// <summary>(out features, in features, device) of a projection LoRA can wrap; throws for any other module.</summary>
    public static (long Out, long In, Device Device) Describe(nn.Module<Tensor, Tensor> projection) => projection switch
    {
        Linear { weight: { } w } => (w.shape[0], w.shape[1], w.device),
        Nf4Linear q => (q.OutFeatures, q.InFeatures, q.Weight.Packed.device),
        _ => throw new LoraException($"a {projection.GetType().Name} is not a linear projection; LoRA wraps linear layers (full precision or NF4) only"),
    };

    /// <summary>A [r, in], float32, trainable.</summary>
    public Parameter LoraA => _loraA;

    /// <summary>B [out, r], float32, trainable.</summary>
    public Parameter LoraB => _loraB;

    /// <summary>Whether the update is folded into the base weight (the adapter path is then skipped).</summary>
    public bool IsMerged { get; private set; }

    /// <summary>The Kaiming-uniform bound for a = √5: <c>sqrt(6 / ((1 + a²) · fan_in)) = 1 / sqrt(fan_in)</c>.</summary>
    public static double KaimingUniformBound(long fanIn)
    {
        const double a2 = 5.0; // a = sqrt(5), as nn.Linear and PEFT initialise
        var gain = Math.Sqrt(2.0 / (1.0 + a2));
        return Math.Sqrt(3.0) * gain / Math.Sqrt(fanIn);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ThrowIfDetached();
        if (IsMerged)
        {
            if (training) throw new InvalidOperationException("a merged LoRA layer cannot train: unmerge the adapter first");
            return _base.call(input);
        }
        using var scope = NewDisposeScope();
        var result = _base.call(input);
        var x = input.dtype == ScalarType.Float32 ? input : input.to(ScalarType.Float32);
        var p = Settings.Dropout;
        if (training && p > 0)
        {
            // Zeroing through a boolean drop mask: autograd keeps 1 byte per element for x's gradient instead of a
            // float32 mask's 4, and no bool-to-float promotion runs (x · float mask was as fast; x · bool mask was not).
            using var draw = DeviceRandom.Uniform(x.shape, x.device, _dropoutGenerator);
            using var drop = draw.lt(p);
            x = x.masked_fill(drop, 0.0) / (1.0 - p);
        }
        var update = nn.functional.linear(nn.functional.linear(x, _loraA), _loraB) * Scale;
        return (result + update.to(result.dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor? CaptureRandomState() => training && Settings.Dropout > 0 && !IsMerged ? _dropoutGenerator.get_state() : null;

    /// <inheritdoc />
    public void RestoreRandomState(Tensor state) => _dropoutGenerator.set_state(state);

    /// <summary>
    /// Folds <c>scale · B @ A</c> into the base weight (computed in float32, rounded once to the base dtype) and
    /// disables the adapter path; does nothing when already merged.
    /// </summary>
    public void Merge()
    {
        ThrowIfDetached();
        if (IsMerged) return;
        ApplyDelta(+1);
        IsMerged = true;
    }

    /// <summary>
    /// Subtracts <c>scale · B @ A</c> from the base weight again and re-enables the adapter path; exact up to
    /// rounding in the base dtype (float32: about 1e-7 relative; bfloat16: one bf16 rounding per element).
    /// Does nothing when not merged.
    /// </summary>
    public void Unmerge()
    {
        ThrowIfDetached();
        if (!IsMerged) return;
        ApplyDelta(-1);
        IsMerged = false;
    }

    /// <summary>The update <c>scale · B @ A</c> [out, in] in float32 (a new tensor the caller disposes).</summary>
    public Tensor DeltaWeight()
    {
        ThrowIfDetached();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return (_loraB.matmul(_loraA) * Scale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Releases the adapter's own tensors and returns the base projection (unregistered from this layer), keeping
    /// whatever its weight holds (merged or not). The layer is unusable afterwards.
    /// </summary>
    internal nn.Module<Tensor, Tensor> Detach()
    {
        ThrowIfDetached();
        _detached = true;
        register_module("base_layer", null!);
        _loraA.Dispose();
        _loraB.Dispose();
        _dropoutGenerator.Dispose();
        return _base;
    }

    private void ApplyDelta(int sign)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = BaseWeight;
        var delta = _loraB.matmul(_loraA) * Scale;
        var updated = (weight.to(ScalarType.Float32) + sign * delta).to(weight.dtype);
        weight.copy_(updated);
    }

    private void ThrowIfDetached()
    {
        if (_detached) throw new InvalidOperationException("this LoRA layer was removed from its model");
    }

    /// <summary>Reseeds the dropout masks, so that a step's masks depend only on (seed, step) and a resumed run draws the same ones.</summary>
    public void ReseedDropout(ulong seed) => _dropoutGenerator.manual_seed(unchecked((long)seed));
}
