using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Checkpoints;

/// <summary>The Convert stage: verified, normalized checkpoint in <c>convert/</c> (see <see cref="CheckpointConverter"/>).</summary>
internal sealed class ConvertStage : IStage
{
    /// <inheritdoc />
    public string Name => "convert";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["download"];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Model.Dtype, config.Model.MaxShardSize, config.Model.Quantization };

    /// <inheritdoc />
    public void CheckConfig(PipelineConfig config) => MaxShardBytes(config);

    private static long MaxShardBytes(PipelineConfig config)
    {
        try
        {
            return ByteSize.Parse(config.Model.MaxShardSize);
        }
        catch (FormatException e)
        {
            throw config.Problem("model.max_shard_size", e.Message);
        }
    }

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var maxShard = MaxShardBytes(context.Config);
        var input = ModelPointer.ResolveModelDirectory(context.UpstreamDirectory("download"));
        try
        {
            CheckpointConverter.Convert(input, context.OutputDirectory, context.Config.Model.Dtype, maxShard,
                line => context.Console.WriteLine($"convert: {line}"), cancellationToken, context.Config.Model.Quantization);
        }
        catch (CheckpointException e)
        {
            throw new StageException(e.Message, e);
        }
        return Task.CompletedTask;
    }
}
