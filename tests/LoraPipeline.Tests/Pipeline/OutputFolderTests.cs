using System.Diagnostics;
using LoraPipeline.Pipeline;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Pipeline;

/// <summary>Commands that replace a user-named folder never destroy what they did not write (issue 19, findings 1 and 9).</summary>
public class OutputFolderTests
{
    [Test]
    public void ANonEmptyForeignFolderIsRefusedUnlessOverwrite()
    {
        using var temp = new TempDirectory();
        var output = temp.Combine("out");
        Directory.CreateDirectory(Path.Combine(output, ".ssh"));
        File.WriteAllText(Path.Combine(output, ".ssh", "id_ed25519"), "key");
        var e = Assert.Throws<StageException>(() => OutputFolder.EnsureReplaceable(output, "--out", "merge", false, temp.Combine("model")))!;
        Assert.That(e.Message, Does.Contain("--out").And.Contain("not empty").And.Contain("--overwrite"));
        Assert.DoesNotThrow(() => OutputFolder.EnsureReplaceable(output, "--out", "merge", true, temp.Combine("model")));
    }

    [Test]
    public void AnEarlierOutputOfTheSameCommandMayBeReplaced()
    {
        using var temp = new TempDirectory();
        var output = temp.Combine("out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "model.safetensors"), "x");
        OutputFolder.Mark(output, "merge");
        Assert.DoesNotThrow(() => OutputFolder.EnsureReplaceable(output, "--out", "merge", false));
        Assert.Throws<StageException>(() => OutputFolder.EnsureReplaceable(output, "--out", "convert", false));
    }

    [Test]
    public void AFolderHoldingAnInputIsRefusedEvenWithOverwrite()
    {
        using var temp = new TempDirectory();
        var model = temp.Combine("models", "base");
        Directory.CreateDirectory(model);
        foreach (var output in new[] { temp.Combine("models"), model, temp.Path + "/models/" })
        {
            var e = Assert.Throws<StageException>(() => OutputFolder.EnsureReplaceable(output, "--out", "merge", true, model))!;
            Assert.That(e.Message, Does.Contain("which this command reads"));
        }
        Assert.DoesNotThrow(() => OutputFolder.EnsureReplaceable(temp.Combine("merged"), "--out", "merge", false, model));
    }

    [Test]
    public void AtomicDirectoryRemovesTheLeftoversOfAKilledWriter()
    {
        using var temp = new TempDirectory();
        var deadPid = ExitedProcessId();
        var leftover = temp.Combine($".out.{deadPid}-0123456789abcdef.tmp");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "model.safetensors"), "half a checkpoint");
        var ownRun = temp.Combine($".out.{Environment.ProcessId}-fedcba9876543210.tmp");
        Directory.CreateDirectory(ownRun);
        AtomicDirectory.Write(temp.Combine("out"), dir => File.WriteAllText(Path.Combine(dir, "a"), "a"));
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(leftover), Is.False, "a dead writer's temporary folder is removed");
            Assert.That(Directory.Exists(ownRun), Is.True, "a live writer's temporary folder is kept");
            Assert.That(File.ReadAllText(temp.Combine("out", "a")), Is.EqualTo("a"));
        });
    }

    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
