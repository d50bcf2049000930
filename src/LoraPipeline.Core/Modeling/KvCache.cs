using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Keys and values of past positions for every layer, stored before the kv heads are repeated, in buffers
/// preallocated to a capacity (grown by doubling if exceeded) so that each decoding step costs the same.
/// Filled by <see cref="LlamaForCausalLM.Forward"/>: every layer appends, then the model advances <see cref="Length"/>.
/// </summary>
internal sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private long _capacity;

    /// <summary>A cache for <paramref name="layers"/> layers expecting about <paramref name="capacity"/> positions.</summary>
    public KvCache(int layers, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _capacity = capacity;
    }

    /// <summary>Positions already cached (the same for every row of the batch; padding included).</summary>
    public long Length { get; private set; }

    /// <summary>Layers served.</summary>
    public int Layers => _keys.Length;

    /// <summary>
    /// Writes <paramref name="keys"/> and <paramref name="values"/> [batch, kv_heads, seq, head_dim] of
    /// <paramref name="layer"/> after the cached positions and returns views of all of them (cached + new).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var seq = keys.shape[2];
        var end = Length + seq;
        if (_keys[layer] is null || end > _keys[layer]!.shape[2]) Grow(layer, keys, end);
        using (no_grad())
        {
            _keys[layer]!.narrow(2, Length, seq).copy_(keys);
            _values[layer]!.narrow(2, Length, seq).copy_(values);
        }
        return (_keys[layer]!.narrow(2, 0, end), _values[layer]!.narrow(2, 0, end));
    }

    /// <summary>Marks <paramref name="positions"/> more positions as cached (after every layer appended them).</summary>
    public void Advance(long positions) => Length += positions;

    private void Grow(int layer, Tensor like, long needed)
    {
        while (_capacity < needed) _capacity *= 2;
        long[] shape = [like.shape[0], like.shape[1], _capacity, like.shape[3]];
        var keys = zeros(shape, like.dtype, like.device).DetachFromDisposeScope();
        var values = zeros(shape, like.dtype, like.device).DetachFromDisposeScope();
        if (_keys[layer] is { } oldKeys && _values[layer] is { } oldValues)
        {
            using (no_grad())
            {
                keys.narrow(2, 0, Length).copy_(oldKeys.narrow(2, 0, Length));
                values.narrow(2, 0, Length).copy_(oldValues.narrow(2, 0, Length));
            }
            oldKeys.Dispose();
            oldValues.Dispose();
        }
        _keys[layer] = keys;
        _values[layer] = values;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
    }
}
