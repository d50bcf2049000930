using LoraPipeline.Checkpoints;
using LoraPipeline.Hub;

namespace LoraPipeline.Tests.Conversion;

public class ModelSourceTests
{
    [TestCase("hf:meta-llama/Llama-3.2-1B", "Hub", "meta-llama/Llama-3.2-1B", "main")]
    [TestCase("hf:org/name@v1.0", "Hub", "org/name", "v1.0")]
    [TestCase("builtin:tiny-llama", "Builtin", "tiny-llama", null)]
    [TestCase("models/my-llama", "LocalFolder", "models/my-llama", null)]
    public void ParsesEachKind(string text, string kindName, string value, string? revision)
    {
        var source = ModelSource.Parse(text);
        Assert.That(source, Is.EqualTo(new ModelSource(Enum.Parse<ModelSourceKind>(kindName), value, revision)));
    }

    [TestCase("hf:a/b/c")]
    [TestCase("hf:../x")]
    [TestCase("hf:org/name@")]
    [TestCase("builtin:huge-llama")]
    [TestCase(" ")]
    public void RejectsMalformedSources(string text) =>
        Assert.That(() => ModelSource.Parse(text), Throws.ArgumentException);

    [TestCase("2GB", 2_000_000_000L)]
    [TestCase("500MB", 500_000_000L)]
    [TestCase("1GiB", 1_073_741_824L)]
    [TestCase("1.5 KB", 1500L)]
    [TestCase("4096", 4096L)]
    public void ParsesSizes(string text, long bytes) => Assert.That(ByteSize.Parse(text), Is.EqualTo(bytes));

    [TestCase("two GB")]
    [TestCase("5XB")]
    [TestCase("0")]
    public void RejectsBadSizes(string text) => Assert.That(() => ByteSize.Parse(text), Throws.TypeOf<FormatException>());
}
