using LoraPipeline.Configuration;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Training;

public class LearningRateScheduleTests
{
    [Test]
    public void WarmupThenCosineOrLinearDecayToZero()
    {
        Assert.That(LearningRateSchedule.At(1, 100, 1.0, 10, LrSchedule.Cosine), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(LearningRateSchedule.At(10, 100, 1.0, 10, LrSchedule.Cosine), Is.EqualTo(1.0).Within(1e-12));
        // Halfway through the decay (step 55 of 10..100), cosine is at half the peak.
        Assert.That(LearningRateSchedule.At(55, 100, 1.0, 10, LrSchedule.Cosine), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(LearningRateSchedule.At(100, 100, 1.0, 10, LrSchedule.Cosine), Is.EqualTo(0.0).Within(1e-12));
        Assert.That(LearningRateSchedule.At(55, 100, 1.0, 10, LrSchedule.Linear), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(LearningRateSchedule.At(80, 100, 2.0, 0, LrSchedule.Constant), Is.EqualTo(2.0));
    }

    [Test]
    public void ExampleOrderIsASeededPermutationPerEpoch()
    {
        var order = new ExampleOrder(10, seed: 3);
        var epoch0 = Enumerable.Range(0, 10).Select(k => order.At(k)).ToList();
        var epoch1 = Enumerable.Range(10, 10).Select(k => order.At(k)).ToList();
        Assert.That(epoch0.Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.That(epoch1.Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.That(epoch1, Is.Not.EqualTo(epoch0));
        Assert.That(new ExampleOrder(10, seed: 3).At(17), Is.EqualTo(order.At(17)), "depends only on (seed, k)");
    }
}
