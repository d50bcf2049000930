using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Hub;

/// <summary>Downloads Hub snapshots for the Download stage.</summary>
internal static class HubSnapshots
{
    public static Task<string> DownloadAsync(ModelSource source, IAnsiConsole console, CancellationToken cancellationToken)
    {
        _ = console;
        _ = cancellationToken;
        // The Hub client lands with the Download/Convert issue's Hub part.
        throw new StageException($"model.source {source}: Hub downloads are not implemented yet; use a local folder or builtin:tiny-llama");
    }
}
