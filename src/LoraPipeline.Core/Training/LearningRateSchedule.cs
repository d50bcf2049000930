using LoraPipeline.Configuration;

namespace LoraPipeline.Training;

/// <summary>Linear warm-up to the peak rate, then cosine or linear decay to zero at the last step, or constant.</summary>
internal static class LearningRateSchedule
{
    /// <summary>The learning rate of optimizer step <paramref name="step"/> (1-based) of <paramref name="totalSteps"/>.</summary>
    public static double At(int step, int totalSteps, double peak, int warmupSteps, LrSchedule schedule)
    {
        if (warmupSteps > 0 && step <= warmupSteps) return peak * step / warmupSteps;
        if (schedule == LrSchedule.Constant) return peak;
        var decaySteps = Math.Max(1, totalSteps - warmupSteps);
        var progress = Math.Clamp((step - warmupSteps) / (double)decaySteps, 0, 1);
        return schedule == LrSchedule.Cosine
            ? peak * 0.5 * (1 + Math.Cos(Math.PI * progress))
            : peak * (1 - progress);
    }
}
