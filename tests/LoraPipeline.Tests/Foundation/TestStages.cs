using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Tests.Foundation;

/// <summary>
/// Small stages with the pipeline's shape (download → prepare → train → evaluate) that do real file
/// work derived from their config and inputs, so the runner's incrementality is exercised end to end.
/// </summary>
internal sealed class TestStage(string name, string[] upstream, Func<PipelineConfig, object> section,
    Func<StageInputs, IEnumerable<string>>? inputs = null, Func<StageContext, CancellationToken, Task>? body = null) : IStage
{
    public int Runs { get; private set; }
    public string Name => name;
    public IReadOnlyList<string> Upstream => upstream;
    public object ConfigSection(PipelineConfig config) => section(config);
    public IEnumerable<string> InputFiles(StageInputs stageInputs) => inputs?.Invoke(stageInputs) ?? [];

    public async Task RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        Runs++;
        if (body is not null)
        {
            await body(context, cancellationToken);
            return;
        }
        // Default work: combine upstream outputs and this stage's config into one output file.
        var text = ConfigJson.Serialize(section(context.Config));
        foreach (var up in upstream)
            text += File.ReadAllText(Path.Combine(context.UpstreamDirectory(up), "out.txt"));
        foreach (var input in InputFiles(new StageInputs(context.Config, context.BaseDirectory)))
            text += File.ReadAllText(input);
        Directory.CreateDirectory(Path.Combine(context.OutputDirectory, "sub"));
        await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "out.txt"), text, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "sub", "extra.txt"), name, cancellationToken);
    }
}

internal sealed class TestGraph
{
    public TestGraph(string datasetDirectory)
    {
        Download = new TestStage("download", [], c => c.Model);
        Prepare = new TestStage("prepare", ["download"], c => c.Data,
            i => Directory.EnumerateFiles(datasetDirectory).Order());
        Train = new TestStage("train", ["download", "prepare"], c => new { c.Lora, c.Train });
        Evaluate = new TestStage("evaluate", ["train"], c => c.Eval);
    }

    public TestStage Download { get; }
    public TestStage Prepare { get; }
    public TestStage Train { get; }
    public TestStage Evaluate { get; }
    public TestStage[] All => [Download, Prepare, Train, Evaluate];

    public async Task<StageOutcome[]> RunAllAsync(PipelineRun run)
    {
        var outcomes = new List<StageOutcome>();
        foreach (var stage in All) outcomes.Add(await StageRunner.RunAsync(stage, run));
        return outcomes.ToArray();
    }
}
