using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Sizing;

/// <summary>The Plan stage: <c>plan/plan.json</c> and <c>plan/plan.md</c> for the converted model and the config's
/// training settings (recomputation is reported both ways; the headline uses it off).</summary>
internal sealed class PlanStage : IStage
{
    /// <inheritdoc />
    public string Name => "plan";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["convert"];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => SizingInputs.FromConfig(config);

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        try
        {
            var converted = context.UpstreamDirectory("convert");
            var config = PlanModelConfig.Load(converted);
            var inputs = SizingInputs.FromConfig(context.Config) with
            {
                FullPrecisionProjectionParameters = QuantizedWeights.FullPrecisionProjectionParameters(converted, config),
            };
            var plan = HardwarePlan.Compute(context.Config.Model.Source, config, inputs);
            PlanTable.Write(context.Console, plan);
            PlanReport.Write(plan, context.OutputDirectory);
        }
        catch (Exception e) when (e is CheckpointException or ArgumentException)
        {
            throw new StageException(e.Message, e);
        }
        return Task.CompletedTask;
    }
}
