using LoraPipeline.Configuration;

namespace LoraPipeline.Selection;

/// <summary>One selection: resolve the settings, rank the candidates, write the report folder.</summary>
internal static class SelectionRun
{
    /// <summary>Ranks the candidates for <paramref name="settings"/> and writes <paramref name="outputDirectory"/>.</summary>
    public static (SelectionRequest Request, IReadOnlyList<CandidateAssessment> Ranked) Run(
        SelectionSettings settings, PipelineConfig training, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var catalogue = Catalogue.Load(settings.Catalogue);
        // this-machine is measured only when named: it takes a few seconds.
        var (request, models) = settings.Resolve(catalogue, training,
            () => MachineProfile.Measure(settings.Precision.Equals("f32", StringComparison.OrdinalIgnoreCase) ? ServingPrecision.F32 : ServingPrecision.Bf16));
        var ranked = Selector.Rank(models, request);
        SelectionReport.Write(outputDirectory, request, ranked);
        return (request, ranked);
    }
}
