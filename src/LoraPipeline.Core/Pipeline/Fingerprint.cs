using System.Text;
using LoraPipeline.Configuration;

namespace LoraPipeline.Pipeline;

/// <summary>Computes a stage's fingerprint: SHA-256 over its name and revision, the core version, its
/// config section in canonical JSON, the fingerprints of the stages it reads, and its input files' contents.</summary>
internal static class Fingerprint
{
    public static string Compute(IStage stage, PipelineConfig config, IReadOnlyDictionary<string, string> upstream,
        IReadOnlyDictionary<string, string> inputHashes)
    {
        var text = new StringBuilder()
            .Append("stage:").Append(stage.Name).Append('\n')
            .Append("revision:").Append(stage.Revision).Append('\n')
            .Append("core:").Append(CoreInfo.Version).Append('\n')
            .Append("config:").Append(ConfigJson.Serialize(stage.ConfigSection(config))).Append('\n');
        foreach (var (name, fingerprint) in upstream.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("upstream:").Append(name).Append('=').Append(fingerprint).Append('\n');
        foreach (var (path, hash) in inputHashes.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("input:").Append(path).Append('=').Append(hash).Append('\n');
        return FileHashing.Sha256Text(text.ToString());
    }
}
