using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LoraPipeline.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>Writes safetensors files atomically (temporary name, then rename).</summary>
internal static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> in the given order to <paramref name="path"/>, with optional
    /// <c>__metadata__</c> (PEFT and transformers expect <c>{"format": "pt"}</c>, which is the default).
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>
        {
            ["__metadata__"] = metadata ?? new Dictionary<string, string> { ["format"] = "pt" },
        };
        long offset = 0;
        foreach (var (name, tensor) in list)
        {
            var length = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new
            {
                dtype = SafetensorsDType.NameOf(tensor.dtype),
                shape = tensor.shape,
                data_offsets = new[] { offset, offset + length },
            };
            offset += length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        var padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)padded);
            stream.Write(lengthBytes);
            stream.Write(headerBytes);
            foreach (var (_, tensor) in list)
            {
                using var scope = NewDisposeScope();
                var cpu = tensor.device_type == DeviceType.CPU ? tensor.contiguous() : tensor.cpu().contiguous();
                Torch.TensorBytes.ForEach(cpu, (span, _) => stream.Write(span));
            }
        });
    }
}
