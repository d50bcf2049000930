using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Training;

/// <summary>The examples of <c>data.train_files</c> laid end to end, the order that mixes them, and the realised shares.</summary>
internal sealed class TrainingMix
{
    private readonly IReadOnlyList<TrainingFile> _files;
    private readonly IReadOnlyList<int> _sizes;

    private TrainingMix(IReadOnlyList<TrainingFile> files, List<List<TokenRecord>> perFile, int seed)
    {
        _files = files;
        _sizes = perFile.Select(f => f.Count).ToList();
        Examples = perFile.SelectMany(f => f).ToList();
        Order = new BlendedOrder(_sizes, files.Select(f => f.Probability).ToList(), seed);
    }

    /// <summary>Every file's examples, file after file.</summary>
    public List<TokenRecord> Examples { get; }

    /// <summary>The order Train visits them in.</summary>
    public BlendedOrder Order { get; }

    /// <summary>Reads the files (see <see cref="TrainingFiles.Load"/>).</summary>
    public static TrainingMix Load(IReadOnlyList<TrainingFile> files, string prepareDirectory, int seed) =>
        new(files, TrainingFiles.Load(files, prepareDirectory), seed);

    /// <summary>One file's line in <c>train/stats.json</c>.</summary>
    /// <param name="File">As configured in <c>data.train_files</c>.</param>
    /// <param name="Examples">Examples it holds.</param>
    /// <param name="Probability">Its configured share.</param>
    /// <param name="Drawn">Examples of the run taken from it.</param>
    /// <param name="Share">Drawn over all examples of the run.</param>
    /// <param name="EpochShare">Its share of the first epoch's examples (as many as all files hold together).</param>
    public sealed record FileShare(string File, int Examples, double Probability, long Drawn, double Share, double EpochShare);

    /// <summary><c>train/stats.json</c>.</summary>
    /// <param name="ExamplesTrained">Examples the run trained on (steps x global batch).</param>
    /// <param name="EpochExamples">Examples of all files together.</param>
    /// <param name="Files">Per file.</param>
    public sealed record Stats(long ExamplesTrained, long EpochExamples, IReadOnlyList<FileShare> Files);

    /// <summary>The shares over the first <paramref name="examplesTrained"/> examples and over one epoch.</summary>
    public Stats Measure(long examplesTrained)
    {
        var drawn = Order.Counts(examplesTrained);
        var epoch = Examples.Count;
        var epochDrawn = Order.Counts(epoch);
        return new Stats(examplesTrained, epoch, _files.Select((f, i) => new FileShare(f.Name, _sizes[i], f.Probability, drawn[i],
            examplesTrained == 0 ? 0 : (double)drawn[i] / examplesTrained, (double)epochDrawn[i] / epoch)).ToList());
    }

    /// <summary>Writes <see cref="Measure"/> as JSON.</summary>
    public void WriteStats(string path, long examplesTrained) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(Measure(examplesTrained), ConfigJson.Options) + "\n");
}
