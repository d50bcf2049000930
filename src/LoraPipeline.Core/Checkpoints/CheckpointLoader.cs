using System.Text.Json;
using static TorchSharp.torch;

namespace LoraPipeline.Checkpoints;

/// <summary>Loads the tensors of a Hugging Face model folder: <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c>. Pickled checkpoints are refused.</summary>
internal static class CheckpointLoader
{
    /// <summary>The safetensors files of a model folder, in shard order.</summary>
    public static IReadOnlyList<string> Files(string modelDirectory)
    {
        var index = Path.Combine(modelDirectory, CheckpointFormats.IndexFile);
        if (File.Exists(index))
            return ShardIndex.Read(index).Shards.Select(s => Path.Combine(modelDirectory, s)).ToList();
        var single = Path.Combine(modelDirectory, CheckpointFormats.SingleFile);
        if (File.Exists(single)) return [single];
        var others = Directory.Exists(modelDirectory)
            ? Directory.EnumerateFiles(modelDirectory, "*.safetensors").Order(StringComparer.Ordinal).ToList()
            : [];
        if (others.Count > 0) return others;
        var pickle = Directory.Exists(modelDirectory) ? Directory.EnumerateFiles(modelDirectory).FirstOrDefault(CheckpointFormats.IsPickle) : null;
        if (pickle is not null) CheckpointFormats.RefusePickle(pickle);
        throw new CheckpointException($"{modelDirectory}: no {CheckpointFormats.SingleFile} or {CheckpointFormats.IndexFile} found");
    }

    /// <summary>Loads every tensor of the model folder by name, optionally converted and moved.</summary>
    public static Dictionary<string, Tensor> LoadStateDict(string modelDirectory, ScalarType? dtype = null, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var file in Files(modelDirectory))
            {
                using var reader = SafetensorsFile.Open(file);
                foreach (var (name, tensor) in reader.ReadAll(dtype, device))
                {
                    if (!result.TryAdd(name, tensor))
                    {
                        tensor.Dispose();
                        throw new CheckpointException($"{file}: tensor '{name}' also appears in another shard");
                    }
                }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }
}

/// <summary><c>model.safetensors.index.json</c>: which shard holds each tensor.</summary>
/// <param name="WeightMap">Tensor name → shard file name.</param>
/// <param name="TotalSize">Total tensor bytes (<c>metadata.total_size</c>).</param>
internal sealed record ShardIndex(IReadOnlyDictionary<string, string> WeightMap, long TotalSize)
{
    /// <summary>Distinct shard file names in order of first appearance by file name.</summary>
    public IReadOnlyList<string> Shards => WeightMap.Values.Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Reads and checks an index file (shard names may not escape the folder).</summary>
    public static ShardIndex Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointException($"{path}: weight_map missing");
            var weights = new Dictionary<string, string>();
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.GetString() ?? "";
                if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Contains("..") || shard.Contains('/') || shard.Contains('\\'))
                    throw new CheckpointException($"{path}: weight_map['{entry.Name}'] = '{shard}' is not a file name inside the model folder");
                weights[entry.Name] = shard;
            }
            long total = 0;
            if (document.RootElement.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("total_size", out var size))
                total = size.TryGetInt64(out var t) ? t : (long)size.GetDouble();
            return new ShardIndex(weights, total);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes the index atomically in the Hugging Face layout.</summary>
    public void Write(string path)
    {
        var json = JsonSerializer.Serialize(new
        {
            metadata = new { total_size = TotalSize },
            weight_map = new SortedDictionary<string, string>(WeightMap.ToDictionary(), StringComparer.Ordinal),
        }, new JsonSerializerOptions { WriteIndented = true });
        Pipeline.AtomicFile.WriteAllText(path, json + "\n");
    }
}
