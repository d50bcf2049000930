namespace LoraPipeline.Pipeline;

/// <summary>
/// Guards a user-named output folder that a command replaces as a whole (<c>lora merge --out</c>): it may be
/// replaced only when it is absent, empty, a previous output of the same command (it holds the marker file), or
/// the user said <c>--overwrite</c>; and never when it is, or contains, a folder the command reads.
/// </summary>
internal static class OutputFolder
{
    /// <summary>Marker file written into every folder a command produced, naming the command.</summary>
    public const string MarkerFile = ".lora-output";

    /// <summary>Throws <see cref="StageException"/> with what to do when <paramref name="output"/> may not be replaced.</summary>
    /// <param name="output">The folder to replace.</param>
    /// <param name="option">The option that named it, for the message (<c>--out</c>).</param>
    /// <param name="command">The command that writes it (<c>merge</c>); its own earlier output may be replaced.</param>
    /// <param name="overwrite">The user allowed replacing a non-empty folder.</param>
    /// <param name="inputs">Folders the command reads; the output may not be one of them or hold one.</param>
    public static void EnsureReplaceable(string output, string option, string command, bool overwrite, params string[] inputs)
    {
        var target = Normalize(output);
        foreach (var input in inputs)
        {
            var source = Normalize(input);
            if (source == target || source.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new StageException($"{option} {output}: it holds {input}, which this command reads; choose another folder");
        }
        if (File.Exists(target)) throw new StageException($"{option} {output}: is a file; name a folder");
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any() || overwrite) return;
        var marker = Path.Combine(target, MarkerFile);
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == command) return;
        throw new StageException(
            $"{option} {output}: the folder is not empty and is not an earlier 'lora {command}' output; choose an empty or new folder, or add --overwrite to replace it");
    }

    /// <summary>Marks <paramref name="folder"/> as produced by <paramref name="command"/>.</summary>
    public static void Mark(string folder, string command) => AtomicFile.WriteAllText(Path.Combine(folder, MarkerFile), command + "\n");

    private static string Normalize(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
}
