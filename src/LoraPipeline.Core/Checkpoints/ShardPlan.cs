namespace LoraPipeline.Checkpoints;

/// <summary>How tensors are grouped into safetensors shards, and the Hugging Face shard file names.</summary>
internal static class ShardPlan
{
    /// <summary>Groups <paramref name="names"/> in order into shards of at most <paramref name="maxShardBytes"/>
    /// (a tensor larger than that gets a shard of its own).</summary>
    public static List<List<string>> Group(IReadOnlyList<string> names, Func<string, long> bytesOf, long maxShardBytes)
    {
        var shards = new List<List<string>> { new() };
        long current = 0;
        foreach (var name in names)
        {
            var bytes = bytesOf(name);
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(name);
            current += bytes;
        }
        return shards;
    }

    /// <summary><c>model.safetensors</c> for a single shard, else <c>model-0000i-of-0000n.safetensors</c>.</summary>
    public static string FileName(int index, int count) =>
        count == 1 ? CheckpointFormats.SingleFile : $"model-{index + 1:00000}-of-{count:00000}.safetensors";
}
