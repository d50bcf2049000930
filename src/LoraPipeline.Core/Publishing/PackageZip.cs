using System.IO.Compression;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>Writes a reproducible zip: entries sorted by name, fixed timestamps and permissions, so the same files give the
/// same bytes and a re-run release finds its zip unchanged.</summary>
internal static class PackageZip
{
    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Zips the files of <paramref name="sourceDirectory"/> named in <paramref name="names"/> under
    /// <paramref name="rootFolder"/>/ into <paramref name="zipPath"/>, atomically.</summary>
    public static void Write(string zipPath, string sourceDirectory, IEnumerable<string> names, string rootFolder)
    {
        AtomicFile.Write(zipPath, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var name in names.Order(StringComparer.Ordinal))
            {
                var entry = archive.CreateEntry($"{rootFolder}/{name}", CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTime;
                entry.ExternalAttributes = 0x81A4 << 16; // regular file, rw-r--r--
                using var output = entry.Open();
                using var input = File.OpenRead(Path.Combine(sourceDirectory, name));
                input.CopyTo(output);
            }
        });
    }
}
