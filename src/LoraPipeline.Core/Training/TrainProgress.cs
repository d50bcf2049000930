using Spectre.Console;

namespace LoraPipeline.Training;

/// <summary>
/// Progress of a training run: a live line (step, loss, learning rate, tokens/s, ETA) on a terminal; on a
/// log (CI) one plain line per validation and every tenth of the run. A console that fails while drawing the live
/// line (a tiny or resized terminal, a broken pipe) turns it into plain lines; training never stops for its display.
/// </summary>
internal sealed class TrainProgress(IAnsiConsole console, int maxSteps, int startStep)
{
    private readonly DateTime _started = DateTime.UtcNow;
    private bool _interactive = console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
    private int _lastWidth;

    /// <summary>Reports a finished step.</summary>
    public void Update(StepMetrics step, TrainerState state)
    {
        var done = step.Step - startStep;
        var rate = (DateTime.UtcNow - _started).TotalSeconds / Math.Max(1, done);
        var eta = TimeSpan.FromSeconds(rate * (maxSteps - step.Step));
        var line = FormattableString.Invariant(
            $"step {step.Step}/{maxSteps}  loss {step.Loss:0.0000}  lr {step.LearningRate:0.###e+0}  {step.TokensPerSecond:0} tok/s  ETA {eta:mm\\:ss}") +
            (step.ValidationLoss is { } v ? FormattableString.Invariant($"  val {v:0.0000} (best {state.BestValidationLoss:0.0000} @ {state.BestStep})") : "");
        if (_interactive)
        {
            try
            {
                var padded = line.PadRight(_lastWidth);
                _lastWidth = line.Length;
                console.Write(new Text("\r" + padded));
                if (step.ValidationLoss is not null) console.WriteLine();
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _interactive = false;
                WritePlain($"(live progress line turned off after it failed: {e.GetType().Name}: {e.Message}; continuing with plain lines)");
            }
        }
        if (step.ValidationLoss is not null || step.Step % Math.Max(1, maxSteps / 10) == 0) WritePlain(line);
    }

    private void WritePlain(string line)
    {
        try
        {
            console.WriteLine(line);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine(line); // the console itself is broken: plain standard error still works
        }
    }

    /// <summary>Ends the live line.</summary>
    public void Stop()
    {
        if (_interactive && _lastWidth > 0) WritePlain("");
        _lastWidth = 0;
    }
}
