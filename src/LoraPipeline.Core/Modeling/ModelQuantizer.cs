using System.Text.RegularExpressions;
using LoraPipeline.Quantization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Which tensors a 4-bit checkpoint quantizes, and swapping a loaded model's projections between full precision and
/// NF4. Like transformers' bnb-4bit path, every linear projection of the decoder layers is quantized; embeddings,
/// norms, biases and the LM head stay in full precision.
/// </summary>
internal static partial class ModelQuantizer
{
    [GeneratedRegex(@"^model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantizableName();

    /// <summary>Whether the checkpoint tensor <paramref name="name"/> is a decoder projection weight, which a quantized
    /// checkpoint may store 4-bit (see <see cref="FourBitWeights"/> for which ones a given checkpoint does).</summary>
    public static bool IsProjectionWeight(string name) => QuantizableName().IsMatch(name);

    /// <summary>
    /// The decoder projection weights a checkpoint holding the tensors <paramref name="names"/> stores 4-bit: those with
    /// at least one bitsandbytes companion (<c>.absmax</c>, <c>.quant_state.*</c>, ...), and none unless
    /// <paramref name="config"/> has a <c>quantization_config</c>. transformers leaves the modules named in
    /// <c>llm_int8_skip_modules</c> in full precision, and some published 4-bit checkpoints (unsloth's dynamic ones)
    /// skip a few decoder projections that way, so this is read from what is stored, weight by weight.
    /// </summary>
    public static IReadOnlySet<string> FourBitWeights(ModelConfig config, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(names);
        if (config.Quantization is null) return new HashSet<string>(StringComparer.Ordinal);
        return names.Select(Nf4Serialization.WeightOf).OfType<string>().Where(IsProjectionWeight).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Replaces every decoder projection of <paramref name="model"/> by an <see cref="Nf4Linear"/> quantized from its weight.</summary>
    public static void Quantize(LlamaForCausalLM model, bool doubleQuantize = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        foreach (var (host, name) in Projections(model))
        {
            if (host.GetProjection(name) is not Linear linear) continue;
            var weight = Nf4Weight.Quantize(linear.weight!, Nf4Weight.DefaultBlocksize, doubleQuantize);
            var bias = linear.bias?.detach().clone();
            host.SetProjection(name, new Nf4Linear(weight, bias));
            linear.Dispose();
        }
    }

    /// <summary>Replaces every <see cref="Nf4Linear"/> projection by a frozen <see cref="Linear"/> holding its dequantized weight in <paramref name="dtype"/>.</summary>
    public static int Dequantize(LlamaForCausalLM model, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        var count = 0;
        foreach (var (host, name) in Projections(model))
        {
            if (host.GetProjection(name) is not Nf4Linear quantized) continue;
            var weight = quantized.Weight.Dequantize(dtype);
            var linear = nn.Linear(quantized.InFeatures, quantized.OutFeatures, hasBias: quantized.Bias is not null, device: weight.device, dtype: dtype);
            linear.weight = new Parameter(weight, requires_grad: false);
            if (quantized.Bias is { } bias) linear.bias = new Parameter(bias.to(dtype).detach().clone(), requires_grad: false);
            host.SetProjection(name, linear);
            quantized.Dispose();
            count++;
        }
        return count;
    }

    /// <summary>
    /// Puts <paramref name="weight"/> in place of the projection whose checkpoint name is <paramref name="weightName"/>
    /// (<c>model.layers.3.mlp.up_proj.weight</c>), keeping that projection's bias; checks the shape against the model.
    /// </summary>
    public static void Install(LlamaForCausalLM model, string weightName, Nf4Weight weight)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weight);
        var parts = weightName.Split('.');
        if (!IsProjectionWeight(weightName) || !int.TryParse(parts[2], out var index) || index >= model.Model.Layers.Count)
            throw new ArgumentException($"'{weightName}' is not a decoder projection weight of this model", nameof(weightName));
        var layer = model.Model.Layers[index];
        IProjectionHost host = parts[3] == "self_attn" ? layer.SelfAttention : layer.Mlp;
        var current = host.GetProjection(parts[4]);
        var bias = current is Linear linear ? linear.bias : null;
        var expected = current is Linear { weight: { } w } ? w.shape : null;
        if (expected is not null && !expected.SequenceEqual(weight.Shape))
        {
            weight.Dispose();
            throw new Checkpoints.CheckpointException(
                $"tensor '{weightName}' holds a 4-bit [{string.Join(", ", weight.Shape)}] weight, config.json implies [{string.Join(", ", expected)}]");
        }
        host.SetProjection(parts[4], new Nf4Linear(weight, bias));
    }

    // Every decoder projection as (block, name), attention before MLP.
    private static IEnumerable<(IProjectionHost Host, string Name)> Projections(LlamaForCausalLM model) =>
        model.Model.Layers.SelectMany(layer => new IProjectionHost[] { layer.SelfAttention, layer.Mlp })
            .SelectMany(host => host.ProjectionNames.Select(name => (host, name)));
}
