using LoraPipeline.Configuration;
using LoraPipeline.Modeling;
using LoraPipeline.PTuning;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Support;
using LoraPipeline.Tests.Training;
using static TorchSharp.torch;

namespace LoraPipeline.Tests.PTuning;

/// <summary>The Plan under <c>peft.scheme: ptuning</c>: the prompt encoder is the adapter, the sequence is N tokens longer, and the scheme is in the fingerprint.</summary>
public class PTuningPlanTests
{
    private static PipelineConfig Load(params string[] sets) => ConfigLoader.Load(RepositoryPaths.Combine("configs", "default.yaml"), sets);

    [TestCase("mlp", 2, 0.0)]
    [TestCase("lstm", 2, 0.1)]
    [TestCase("lstm", 3, 0.0)]
    public void ThePlanCountsThePromptEncodersParametersAsTheBuiltEncoderHasThem(string type, int layers, double dropout)
    {
        var config = Load("peft.scheme=ptuning", "peft.num_virtual_tokens=5", "peft.encoder_hidden_size=16", $"peft.encoder_reparameterization_type={type}",
            $"peft.encoder_num_layers={layers}", $"peft.encoder_dropout={dropout}");
        var model = TinyTraining.Config(layers: 2);
        var inputs = SizingInputs.FromConfig(config);
        using var network = LlamaForCausalLM.CreateRandom(model, seed: 3, ScalarType.Float32, CPU);
        var built = PTuningAdapter.Install(network, config.Peft, seed: 1).TrainableParameterCount;
        var estimate = TrainingEstimate.Compute(model, inputs);
        Assert.That(estimate.AdapterParameters, Is.EqualTo(built));
        Assert.That(estimate.OptimizerStateBytes, Is.EqualTo(8 * built), "two float32 moments per encoder parameter");
        Assert.That(inputs.SeqLength, Is.EqualTo(config.Data.MaxSeqLength + 5), "the virtual tokens take positions of every sequence");
        Assert.That(inputs.TargetModules, Is.Empty, "no LoRA layers");
    }

    [Test]
    public void ThePlanFingerprintHoldsTheSchemeAndPTuningKeepsTheFirstLayersActivations()
    {
        var stage = new PlanStage();
        var lora = Load();
        var ptuning = Load("peft.scheme=ptuning");
        Assert.That(ConfigJson.Serialize(stage.ConfigSection(ptuning)), Is.Not.EqualTo(ConfigJson.Serialize(stage.ConfigSection(lora))));
        var model = TinyTraining.Config(layers: 2);
        // The gradient reaches the virtual tokens through every layer, the first included: it keeps what the others keep.
        var inputs = SizingInputs.FromConfig(ptuning);
        Assert.That(ActivationModel.FirstLayerBytesPerToken(model, inputs), Is.EqualTo(ActivationModel.LayerBytesPerToken(model, inputs)));
        Assert.That(ActivationModel.FirstLayerBytesPerToken(model, SizingInputs.FromConfig(lora)),
            Is.LessThan(ActivationModel.LayerBytesPerToken(model, SizingInputs.FromConfig(lora))));
    }
}
