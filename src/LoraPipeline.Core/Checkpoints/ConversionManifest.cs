namespace LoraPipeline.Checkpoints;

/// <summary><c>conversion.json</c>: what Convert wrote — every tensor (name, shape, dtype, shard) and every file's SHA-256.</summary>
internal sealed class ConversionManifest
{
    /// <summary>The folder converted from.</summary>
    public required string Source { get; init; }

    /// <summary>Target dtype name (bf16 or f32).</summary>
    public required string Dtype { get; init; }

    /// <summary>Quantization of the decoder's linear weights (<c>none</c> or <c>nf4</c>).</summary>
    public string Quantization { get; init; } = "none";

    /// <summary>Largest shard in bytes.</summary>
    public required long MaxShardBytes { get; init; }

    /// <summary>Tensors in write order.</summary>
    public required List<TensorRecord> Tensors { get; init; }

    /// <summary>Every written file except this manifest.</summary>
    public required List<FileRecord> Files { get; init; }

    /// <summary>One tensor.</summary>
    public sealed record TensorRecord(string Name, long[] Shape, string Dtype, string File);

    /// <summary>One file.</summary>
    public sealed record FileRecord(string Path, long Size, string Sha256);
}
