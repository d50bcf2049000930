using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LoraPipeline.Checkpoints;
using LoraPipeline.Tests.Support;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.Checkpoints;

public class SafetensorsTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory("safetensors");

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.BFloat16)]
    public void TensorsLargerThanOneSpanAreWrittenAndReadInChunksWithTheSameBytes(ScalarType dtype)
    {
        // A tensor over 2 GiB cannot be one Span; with the chunk size shrunk to 24 bytes small tensors take the same path:
        // chunks that split elements' rows, a last short chunk, and one chunk exactly the limit.
        using var scope = NewDisposeScope();
        manual_seed(5);
        var tensors = new Dictionary<string, Tensor>
        {
            ["rows"] = randn(7, 5).to(dtype),
            ["flat"] = randn(13).to(dtype),
            ["exact"] = randn(24 / (dtype == ScalarType.Float32 ? 4 : 2)).to(dtype),
        };
        var whole = _temp.Combine("whole.safetensors");
        SafetensorsWriter.Save(whole, tensors);
        var chunked = _temp.Combine("chunked.safetensors");
        var saved = LoraPipeline.Torch.TensorBytes.ChunkBytes;
        try
        {
            LoraPipeline.Torch.TensorBytes.ChunkBytes = 24;
            SafetensorsWriter.Save(chunked, tensors);
            Assert.That(File.ReadAllBytes(chunked), Is.EqualTo(File.ReadAllBytes(whole)), "the same file, written in chunks");
            using var file = SafetensorsFile.Open(whole);
            foreach (var (name, expected) in tensors)
                Assert.That(file.Read(name).to(ScalarType.Float32).eq(expected.to(ScalarType.Float32)).all().item<bool>(), Is.True, $"{name} read back in chunks");
        }
        finally
        {
            LoraPipeline.Torch.TensorBytes.ChunkBytes = saved;
        }
    }

    [Test, Explicit("holds about 6 GB and writes 2.3 GB to the temporary folder; run by hand")]
    public void ATensorOverTwoGibibytesRoundTrips()
    {
        using var scope = NewDisposeScope();
        // 115,000 x 10,000 bf16 = 2.3 GB, built without a full-size temporary in a wider dtype (small integers, exact in bf16).
        var big = arange(10_000L).remainder(251).to(ScalarType.BFloat16).unsqueeze(0) + arange(115_000L).remainder(6).to(ScalarType.BFloat16).unsqueeze(1);
        var path = _temp.Combine("big.safetensors");
        SafetensorsWriter.Save(path, [KeyValuePair.Create("w", big)]);
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(2_300_000_000L));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Read("w").eq(big).all().item<bool>(), Is.True);
    }

    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.BFloat16)]
    [TestCase(ScalarType.Float16)]
    public void WriteThenReadGivesIdenticalTensors(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var tensors = new Dictionary<string, Tensor>
        {
            ["b.weight"] = randn(7, 5).to(dtype),
            ["a.bias"] = randn(5).to(dtype),
            ["scalar"] = tensor(2.5f).to(dtype),
            ["empty"] = zeros(0, 4).to(dtype),
        };
        var path = _temp.Combine("m.safetensors");
        SafetensorsWriter.Save(path, tensors);
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(tensors.Keys));
        foreach (var (name, expected) in tensors)
        {
            var actual = file.Read(name);
            Assert.That(actual.dtype, Is.EqualTo(dtype), name);
            Assert.That(actual.shape, Is.EqualTo(expected.shape), name);
            Assert.That(Values(actual), Is.EqualTo(Values(expected)), name);
        }
    }

    // TorchSharp's accessor cannot enumerate an empty tensor.
    private static float[] Values(Tensor t) => t.numel() == 0 ? [] : t.to(ScalarType.Float32).data<float>().ToArray();

    [Test]
    public void WrittenLayoutFollowsTheFormat()
    {
        using var scope = NewDisposeScope();
        var path = _temp.Combine("m.safetensors");
        SafetensorsWriter.Save(path, [new("x", tensor(new float[] { 1, 2, 3 })), new("y", tensor(new float[] { 4 }).to(ScalarType.BFloat16))]);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That((8 + headerLength) % 8, Is.EqualTo(0), "data section must be 8-byte aligned");
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        Assert.That(header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString(), Is.EqualTo("pt"));
        Assert.That(header.RootElement.GetProperty("x").GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(header.RootElement.GetProperty("y").GetProperty("dtype").GetString(), Is.EqualTo("BF16"));
        Assert.That(header.RootElement.GetProperty("y").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new long[] { 12, 14 }));
        // Float32 1.0 little-endian is 00 00 80 3F; bf16 4.0 is the upper half of float32 4.0 (0x40800000) = 80 40.
        Assert.That(bytes.Skip(8 + headerLength).Take(4), Is.EqualTo(new byte[] { 0, 0, 0x80, 0x3F }));
        Assert.That(bytes.Skip(8 + headerLength + 12).Take(2), Is.EqualTo(new byte[] { 0x80, 0x40 }));
        Assert.That(bytes.Length, Is.EqualTo(8 + headerLength + 14));
    }

    [Test]
    public void ReadCanConvertDtype()
    {
        using var scope = NewDisposeScope();
        var path = _temp.Combine("m.safetensors");
        SafetensorsWriter.Save(path, [new("x", tensor(new float[] { 1.5f, -2 }).to(ScalarType.BFloat16))]);
        using var file = SafetensorsFile.Open(path);
        var x = file.Read("x", ScalarType.Float32);
        Assert.That(x.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(x.data<float>().ToArray(), Is.EqualTo(new[] { 1.5f, -2f }));
    }

    private string WriteRaw(string headerJson, int dataBytes, long? declaredHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var path = _temp.Combine($"bad-{Guid.NewGuid():N}.safetensors");
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(declaredHeaderLength ?? header.Length));
        stream.Write(length);
        stream.Write(header);
        stream.Write(new byte[dataBytes]);
        return path;
    }

    private static string Fault(string path) => Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose())!.Message;

    [Test]
    public void OffsetsOutsideTheFileAreNamed()
    {
        var path = WriteRaw("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8);
        Assert.That(Fault(path), Does.StartWith(path).And.Contain("tensor 'w'").And.Contain("outside the file"));
    }

    [Test]
    public void OverlappingRangesAreNamed()
    {
        var path = WriteRaw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);
        Assert.That(Fault(path), Does.Contain("'a'").And.Contain("'b'").And.Contain("overlap"));
    }

    [Test]
    public void HeaderLengthBeyondTheFileIsNamed()
    {
        var path = WriteRaw("""{}""", 0, declaredHeaderLength: 1_000_000);
        Assert.That(Fault(path), Does.StartWith(path).And.Contain("header length 1000000 runs past the end of the file"));
    }

    [Test]
    public void UnknownDtypeIsNamed()
    {
        var path = WriteRaw("""{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", 4);
        Assert.That(Fault(path), Does.Contain("tensor 'w'").And.Contain("unknown dtype 'F8_E4M3'"));
    }

    [Test]
    public void ShapeDisagreeingWithByteCountIsNamed()
    {
        var path = WriteRaw("""{"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,10]}}""", 10);
        Assert.That(Fault(path), Does.Contain("tensor 'w'").And.Contain("needs 12 bytes but data_offsets span 10"));
    }

    [Test]
    public void TruncatedAndNonJsonFilesAreNamed()
    {
        var tiny = _temp.Combine("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Assert.That(Fault(tiny), Does.StartWith(tiny).And.Contain("shorter than the 8-byte header length"));
        var garbage = WriteRaw("not json at all", 0);
        Assert.That(Fault(garbage), Does.Contain("header is not valid JSON"));
    }

    [Test]
    public void PickledCheckpointsAreRefusedWithAConversionHint()
    {
        var folder = _temp.Combine("pickled");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [0x80, 0x02]);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Files(folder))!;
        Assert.That(e.Message, Does.Contain("pytorch_model.bin").And.Contain("convert it to safetensors"));
        Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Path.Combine(folder, "pytorch_model.bin")));
    }

    [Test]
    public void ShardedCheckpointsLoadThroughTheIndex()
    {
        using var scope = NewDisposeScope();
        var folder = _temp.Combine("sharded");
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Save(Path.Combine(folder, "model-00001-of-00002.safetensors"), [new("a", ones(2, 2))]);
        SafetensorsWriter.Save(Path.Combine(folder, "model-00002-of-00002.safetensors"), [new("b", full(3, 7f))]);
        new ShardIndex(new Dictionary<string, string> { ["a"] = "model-00001-of-00002.safetensors", ["b"] = "model-00002-of-00002.safetensors" }, 28)
            .Write(Path.Combine(folder, CheckpointFormats.IndexFile));
        var state = CheckpointLoader.LoadStateDict(folder, ScalarType.BFloat16);
        Assert.That(state.Keys.Order(), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(state["b"].dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(state["b"].to(ScalarType.Float32).sum().item<float>(), Is.EqualTo(21f));
    }

    [Test]
    public void ShardNamesEscapingTheFolderAreRefused()
    {
        var folder = _temp.Combine("escape");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, CheckpointFormats.IndexFile), """{"weight_map":{"a":"../../etc/passwd"}}""");
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Files(folder))!;
        Assert.That(e.Message, Does.Contain("../../etc/passwd").And.Contain("not a file name inside the model folder"));
    }
}
