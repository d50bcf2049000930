using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>Downloads Hub snapshots for the Download stage, with settings from the environment.</summary>
internal static class HubSnapshots
{
    public static async Task<string> DownloadAsync(ModelSource source, IAnsiConsole console, CancellationToken cancellationToken)
    {
        try
        {
            return await ModelSources.ResolveAsync(source, HubSettings.FromEnvironment(), Directory.GetCurrentDirectory(), console, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HubException e)
        {
            throw new StageException(e.Message, e);
        }
    }
}
