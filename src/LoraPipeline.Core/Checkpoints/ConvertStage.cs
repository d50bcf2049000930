using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Checkpoints;

/// <summary>The Convert stage: verified, normalized checkpoint in <c>convert/</c> (see <see cref="CheckpointConverter"/>).</summary>
public sealed class ConvertStage : IStage
{
    /// <inheritdoc />
    public string Name => "convert";

    /// <inheritdoc />
    public IReadOnlyList<string> Upstream => ["download"];

    /// <inheritdoc />
    public object ConfigSection(PipelineConfig config) => new { config.Model.Dtype, config.Model.MaxShardSize };

    /// <inheritdoc />
    public Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        long maxShard;
        try
        {
            maxShard = ByteSize.Parse(context.Config.Model.MaxShardSize);
        }
        catch (FormatException e)
        {
            throw new StageException($"model.max_shard_size: {e.Message}");
        }
        var input = ModelPointer.ResolveModelDirectory(context.UpstreamDirectory("download"));
        try
        {
            CheckpointConverter.Convert(input, context.OutputDirectory, context.Config.Model.Dtype, maxShard,
                line => context.Console.WriteLine($"convert: {line}"));
        }
        catch (CheckpointException e)
        {
            throw new StageException(e.Message, e);
        }
        return Task.CompletedTask;
    }
}
