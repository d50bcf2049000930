using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Training;

/// <summary>The training progress line never stops training (issue 19 point 2).</summary>
public class TrainProgressTests
{
    private static void RunSteps(TrainProgress progress, int steps)
    {
        var state = new TrainerState(0, 3.0, 0, 0, 3.0, "f");
        for (var step = 1; step <= steps; step++)
            progress.Update(new StepMetrics(step, 2.5, 1e-3, 1.0, 100, 1000, step % 5 == 0 ? 2.4 : null, step), state);
        progress.Stop();
    }

    [TestCase(200, 1)]
    [TestCase(10, 24)]
    public void ATinyTerminalGetsEveryStep(int width, int height)
    {
        using var text = new StringWriter();
        RunSteps(new TrainProgress(FailingConsole.Interactive(text, width, height), 20, 0), 20);
        Assert.That(text.ToString(), Does.Contain("20/20"));
    }

    [Test]
    public void AConsoleThatFailsMidRunTurnsIntoPlainLines()
    {
        using var text = new StringWriter();
        var console = new FailingConsole(FailingConsole.Interactive(text), failAfter: 4, plainFails: true);
        var originalError = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            RunSteps(new TrainProgress(console, 20, 0), 20);
        }
        finally
        {
            Console.SetError(originalError);
        }
        var plain = error.ToString();
        Assert.That(plain, Does.Contain("live progress line turned off"));
        Assert.That(plain, Does.Contain("step 20/20"), "the last step still reported");
        Assert.That(plain, Does.Contain("val 2.4000"), "validations still reported");
    }
}
