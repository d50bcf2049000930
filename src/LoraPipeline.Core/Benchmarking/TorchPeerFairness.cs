using System.Globalization;

namespace LoraPipeline.Benchmarking;

/// <summary>
/// Whether a PyTorch peer is a fair comparison. Debian's <c>python3-torch</c> calls whatever <c>libblas.so.3</c> the
/// system's alternatives select: the reference BLAS (a few GFLOP/s) unless <c>libopenblas0-pthread</c> is installed,
/// and its bfloat16 CPU products are slow whatever the BLAS. A ratio against such a peer measures its BLAS, not the
/// training step, so it is refused with the reason and how to get the fair peer.
/// </summary>
internal static class TorchPeerFairness
{
    /// <summary>The peer's matrix-product rate must be at least this share of ours in the same dtype.</summary>
    public const double MinimumRateShare = 0.5;

    /// <summary>How to get the fair peer on Debian.</summary>
    public const string Hint = "for a fair peer: apt-get install python3-torch libopenblas0-pthread, and compare with --dtype f32";

    /// <summary>Null when fair; otherwise why not (with <see cref="Hint"/>).</summary>
    /// <param name="blas">The BLAS libraries the peer mapped, as its script reports them.</param>
    /// <param name="peerMatmulFlops">The peer's matrix-product rate in the benchmark's dtype.</param>
    /// <param name="oursMatmulFlops">Ours in the same dtype, measured in this process.</param>
    /// <param name="dtype">The benchmark's dtype name.</param>
    public static string? Refusal(string blas, double peerMatmulFlops, double oursMatmulFlops, string dtype)
    {
        var c = CultureInfo.InvariantCulture;
        var libraries = blas.Split(", ", StringSplitOptions.RemoveEmptyEntries);
        // Debian's reference BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/ (or as libopenblas).
        if (libraries.Length > 0 && libraries.All(l => l.Contains("/blas/", StringComparison.Ordinal) && !l.Contains("openblas", StringComparison.OrdinalIgnoreCase)))
            return $"its BLAS is the reference implementation ({blas}); {Hint}";
        if (peerMatmulFlops < MinimumRateShare * oursMatmulFlops)
            return string.Create(c, $"its {dtype} matrix product runs at {peerMatmulFlops / 1e9:0.0} GFLOP/s, below {MinimumRateShare:0.##} x ours " +
                                    $"({oursMatmulFlops / 1e9:0.0} GFLOP/s){(dtype == "bf16" ? " (a bf16-crippled build)" : "")}; BLAS {blas}; {Hint}");
        return null;
    }
}
