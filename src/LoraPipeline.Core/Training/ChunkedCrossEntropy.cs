using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Training;

/// <summary>
/// The LM head and summed cross-entropy over many label positions without ever holding [positions, vocab] logits:
/// a custom autograd function (TorchSharp's <c>SingleTensorFunction</c>) walks the positions in chunks, and for each
/// chunk computes the logits in the compute dtype, their float32 log-sum-exp and loss, and — when the hidden states
/// need a gradient — that chunk's gradient with respect to them, <c>(softmax − onehot) · W</c>, straight away
/// (Liger's fused linear cross-entropy). Only that gradient ([positions, hidden], compute dtype) is kept for the
/// backward pass, which scales it by the incoming gradient. The frozen LM head gets no gradient, so this path is
/// only taken when <c>lm_head.weight</c> does not require one.
/// </summary>
internal static class ChunkedCrossEntropy
{
    /// <summary>
    /// Sum over positions of <c>cross_entropy(hidden · weightᵀ, targets)</c> (float32 scalar), computed
    /// <paramref name="chunkTokens"/> positions at a time. <paramref name="hidden"/> [n, h] and
    /// <paramref name="weight"/> [V, h] share the compute dtype; <paramref name="targets"/> [n] are int64.
    /// </summary>
    public static Tensor Sum(Tensor hidden, Tensor weight, Tensor targets, int chunkTokens)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(weight);
        if (chunkTokens < 1) throw new ArgumentOutOfRangeException(nameof(chunkTokens), chunkTokens, "a chunk holds at least one position");
        if (weight.requires_grad) throw new ArgumentException("the chunked loss gives the LM head no gradient; use the unchunked loss when lm_head trains", nameof(weight));
        return FusedFunction.apply(hidden, weight, targets, chunkTokens);
    }

    private sealed class FusedFunction : autograd.SingleTensorFunction<FusedFunction>
    {
        public override string Name => "ChunkedCrossEntropy";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (hidden, weight, targets, chunk) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (int)vars[3]);
            var wantsGradient = hidden.requires_grad;
            var n = hidden.shape[0];
            var total = zeros(1, ScalarType.Float32, hidden.device);
            var gradient = wantsGradient ? empty_like(hidden) : null;
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(chunk, n - start);
                var logits = nn.functional.linear(hidden.narrow(0, start, length), weight).to(ScalarType.Float32);
                var target = targets.narrow(0, start, length);
                var logSumExp = logits.logsumexp(1, keepdim: true);
                var picked = logits.gather(1, target.unsqueeze(1));
                total.add_(logSumExp.sub(picked).sum());
                if (gradient is null) continue;
                // d(lse − picked)/d logits = softmax − onehot; cast to the compute dtype as autograd's cast would.
                var probabilities = logits.sub_(logSumExp).exp_();
                probabilities.scatter_add_(1, target.unsqueeze(1), full_like(picked, -1.0));
                gradient.narrow(0, start, length).copy_(probabilities.to(hidden.dtype).matmul(weight));
            }
            if (gradient is not null) ctx.save_for_backward([gradient]);
            return total.squeeze();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var saved = ctx.get_saved_variables();
            var gradHidden = saved.Count == 0 ? null! : saved[0].mul(gradOutput.to(saved[0].dtype));
            return [gradHidden, null!, null!, null!];
        }
    }
}
