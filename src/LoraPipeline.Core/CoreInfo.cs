using System.Reflection;

namespace LoraPipeline;

/// <summary>Facts about this build of the core.</summary>
internal static class CoreInfo
{
    /// <summary>The core's version without the source-revision suffix; part of every stage fingerprint.</summary>
    public static string Version { get; } =
        (typeof(CoreInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
