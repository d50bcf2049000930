namespace LoraPipeline.Data;

/// <summary>Malformed input data; the message names the file and line and what is wrong.</summary>
internal sealed class DataException(string file, int line, string problem)
    : Exception(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line, or 0 when the whole file is at fault.</summary>
    public int Line { get; } = line;

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; } = problem;
}
