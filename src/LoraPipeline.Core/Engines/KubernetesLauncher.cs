using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Spectre.Console;

namespace LoraPipeline.Engines;

/// <summary>
/// <c>train.launcher: kubernetes</c>: writes the bundle's <c>PyTorchJob</c> manifest and, when kubectl has a context (the
/// configured one, or its current one), applies it and waits for the job to succeed. Without a context it stops after writing
/// the manifest and says how to go on; a later run imports the adapter once the job (applied by hand) has written it.
/// </summary>
internal static class KubernetesLauncher
{
    /// <summary>Runs the job for the bundle in <paramref name="bundle"/>; returns once <paramref name="engineAdapter"/> should exist.</summary>
    public static void Run(PipelineConfig config, string bundle, string artifactsDirectory, string fingerprint, string engineAdapter,
        IAnsiConsole console, CancellationToken stop)
    {
        var manifest = Path.Combine(bundle, EngineNames.KubernetesJob);
        AtomicFile.WriteAllText(manifest, PyTorchJobManifest.Text(config, Path.GetFullPath(bundle), Path.GetFullPath(artifactsDirectory), fingerprint));
        console.MarkupLineInterpolated($"train: PyTorchJob manifest written to {manifest}");
        var kubernetes = config.Train.Kubernetes;
        var context = kubernetes.Context.Length > 0 ? kubernetes.Context : CurrentContext();
        if (context is null)
        {
            if (File.Exists(Path.Combine(engineAdapter, ArtifactNames.AdapterWeights)))
            {
                console.MarkupLineInterpolated($"train: no kubectl context; importing the adapter the applied job wrote to {engineAdapter}");
                return;
            }
            throw new StageException($"train: no kubectl context is configured, so the PyTorchJob was only written ({manifest}); " +
                                     "apply it with kubectl apply -f, then run Train again to import the adapter (or set train.kubernetes.context)");
        }
        var name = PyTorchJobManifest.JobName(fingerprint);
        string[] scope = ["--context", context, "--namespace", kubernetes.Namespace];
        Kubectl([.. scope, "apply", "-f", manifest], console, stop, "apply the PyTorchJob");
        console.MarkupLineInterpolated($"train: applied pytorchjob/{name} in context {context}; waiting up to {kubernetes.TimeoutSeconds} s for it to succeed");
        Kubectl([.. scope, "wait", "--for=condition=Succeeded", $"pytorchjob/{name}", $"--timeout={kubernetes.TimeoutSeconds}s"], console, stop,
            $"wait for pytorchjob/{name} (see kubectl logs -l training.kubeflow.org/job-name={name})");
    }

    private static void Kubectl(IReadOnlyList<string> arguments, IAnsiConsole console, CancellationToken stop, string what)
    {
        ExternalResult result;
        try
        {
            result = ExternalProcess.Run("kubectl", arguments, line => console.WriteLine($"kubectl: {line}"), stop);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new StageException($"train: kubectl is not installed on host {Environment.MachineName}; cannot {what}");
        }
        if (result.ExitCode != 0)
            throw new StageException($"train: kubectl could not {what} (exit code {result.ExitCode}): {string.Join(" | ", result.Tail.TakeLast(5))}");
    }

    /// <summary>kubectl's current context, or null when kubectl is missing or has none.</summary>
    private static string? CurrentContext()
    {
        try
        {
            var result = ExternalProcess.Run("kubectl", ["config", "current-context"], _ => { }, CancellationToken.None);
            var context = result.Tail.LastOrDefault()?.Trim();
            return result.ExitCode == 0 && !string.IsNullOrEmpty(context) ? context : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
