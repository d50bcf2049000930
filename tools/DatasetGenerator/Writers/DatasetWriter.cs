using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Writers;

/// <summary>Writes a dataset folder: documents/, qa.jsonl, dataset.json and README.md.</summary>
public static class DatasetWriter
{
    /// <summary>Writes every file of <paramref name="dataset"/> under <paramref name="folder"/>, creating it if needed.</summary>
    public static void Write(Dataset dataset, string folder)
    {
        var documentsFolder = Path.Combine(folder, "documents");
        Directory.CreateDirectory(documentsFolder);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in dataset.Documents)
        {
            var path = Path.Combine(documentsFolder, document.Id + ".md");
            AtomicFile.WriteAllText(path, document.Markdown);
            written.Add(Path.GetFileName(path));
        }
        // A document dropped from the facts must not linger and be retrieved from a stale file.
        foreach (var stale in Directory.EnumerateFiles(documentsFolder, "*.md"))
            if (!written.Contains(Path.GetFileName(stale))) File.Delete(stale);

        AtomicFile.WriteAllText(Path.Combine(folder, "qa.jsonl"), QaJsonlWriter.Render(dataset.Pairs));
        AtomicFile.WriteAllText(Path.Combine(folder, "dataset.json"), MetadataWriter.Render(dataset));
        AtomicFile.WriteAllText(Path.Combine(folder, "README.md"), ReadmeWriter.Render(dataset));
    }
}
