using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;
using LoraPipeline.Training;

namespace LoraPipeline.Tests.Engines;

/// <summary>The Train stage's checks of <c>train.engine</c>, <c>train.launcher</c> and <c>train.distributed</c>.</summary>
public class EngineConfigTests
{
    private static PipelineConfig Load(params string[] sets) => ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"), sets);

    [Test]
    public void OurTrainerDoesNotRunOnKubernetes()
    {
        var error = Assert.Throws<ConfigException>(() => new TrainStage().CheckConfig(Load("train.launcher=kubernetes")))!;
        Assert.That(error.Message, Does.Contain("train.launcher").And.Contain("--set train.launcher=kubernetes").And.Contain("train.engine: trl"));
    }

    [Test]
    public void AGlobalBatchThatTheProcessesCannotShareIsNamed()
    {
        var config = Load("train.engine=trl", "train.micro_batch_size=2", "train.global_batch_size=8", "train.distributed.gpus_per_node=3");
        var error = Assert.Throws<ConfigException>(() => new TrainStage().CheckConfig(config))!;
        Assert.That(error.Message, Does.Contain("train.global_batch_size").And.Contain("2 x 3 = 6"));
    }

    [Test]
    public void TheLauncherIsNotPartOfTheFingerprintButTheEngineIs()
    {
        var stage = new TrainStage();
        string Section(params string[] sets) => ConfigJson.Serialize(stage.ConfigSection(Load(sets)));
        Assert.That(Section("train.launcher=kubernetes", "train.kubernetes.namespace=x"), Is.EqualTo(Section()));
        Assert.That(Section("train.engine=trl"), Is.Not.EqualTo(Section()));
        Assert.That(Section("train.distributed.nodes=2"), Is.Not.EqualTo(Section()));
    }
}
