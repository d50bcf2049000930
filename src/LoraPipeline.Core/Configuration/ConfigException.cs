namespace LoraPipeline.Configuration;

/// <summary>
/// A configuration error: names where the value came from (file and line, or the <c>--set</c>
/// argument), the dotted key, and what is wrong. The CLI exits with code 2 on it and runs nothing.
/// </summary>
internal sealed class ConfigException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="source">File path with line (<c>configs/x.yaml:12</c>) or the <c>--set</c> argument.</param>
    /// <param name="key">Dotted key such as <c>train.lr</c>.</param>
    /// <param name="problem">What is wrong and, where possible, what to write instead.</param>
    public ConfigException(string source, string key, string problem)
        : base($"{source}: {key}: {problem}")
    {
        Origin = source;
        Key = key;
    }

    /// <summary>Where the value came from.</summary>
    public string Origin { get; }

    /// <summary>The dotted key.</summary>
    public string Key { get; }
}
