using System.Text.Json;
using System.Text.Json.Nodes;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>
/// Builds the adapter package in <c>publish/</c> (see <see cref="AdapterPackage"/>) from the committed convert, prepare, train and
/// evaluate folders, after checking that the gate passed for exactly this adapter. Every file is written atomically, and the
/// package is byte-for-byte reproducible from the same inputs.
/// </summary>
public static class AdapterPackager
{
    /// <summary>Optional files copied when present: (source folder selector, file name).</summary>
    private static readonly (Func<PackageSources, string> Folder, string Name)[] Optional =
    [
        (s => s.TrainDirectory, "loss.png"),
        (s => s.EvaluateDirectory, "report.md"),
        (s => s.EvaluateDirectory, "metrics.png"),
    ];

    /// <summary>Builds the package for <paramref name="tag"/> into <paramref name="publishDirectory"/>.</summary>
    /// <param name="sources">Where the stage outputs are.</param>
    /// <param name="publishDirectory">Output folder (the publish stage's folder).</param>
    /// <param name="config">The pipeline config (hyperparameters and licence for the card).</param>
    /// <param name="tag">Release tag: the package folder's and the zip's name.</param>
    /// <param name="log">Progress lines.</param>
    public static AdapterPackage Build(PackageSources sources, string publishDirectory, PipelineConfig config, string tag, Action<string>? log = null)
    {
        log ??= _ => { };
        ReleaseTag.Validate(tag);
        var adapterWeights = Path.Combine(sources.AdapterDirectory, AdapterPackage.AdapterWeightsFile);
        var adapterConfig = Path.Combine(sources.AdapterDirectory, AdapterPackage.AdapterConfigFile);
        foreach (var required in new[] { adapterConfig, adapterWeights })
            if (!File.Exists(required))
                throw new PublishException($"{required} is missing; run `./build.sh --target=Train` first");

        var reportPath = Path.Combine(sources.EvaluateDirectory, EvaluationReport.FileName);
        var report = EvaluationReport.Read(reportPath);
        var adapterSha = FileHashing.Sha256File(adapterWeights);
        GateCheck.Require(report, adapterSha, reportPath, adapterWeights);

        var folder = Path.Combine(publishDirectory, tag);
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        void Copy(string source, string name)
        {
            AtomicFile.Write(Path.Combine(folder, name), output =>
            {
                using var input = File.OpenRead(source);
                input.CopyTo(output);
            });
            files.Add(name);
        }

        Copy(adapterConfig, AdapterPackage.AdapterConfigFile);
        Copy(adapterWeights, AdapterPackage.AdapterWeightsFile);
        if (FileHashing.Sha256File(Path.Combine(folder, AdapterPackage.AdapterWeightsFile)) != adapterSha)
            throw new PublishException($"{adapterWeights} changed while it was packaged; run Publish again");

        var tokenizerFiles = CheckpointConverter.CompanionFiles
            .Where(name => File.Exists(Path.Combine(sources.ConvertDirectory, name)))
            .ToList();
        if (!tokenizerFiles.Any(name => name is "tokenizer.json" or "tokenizer.model" or "vocab.json"))
            throw new PublishException(
                $"{sources.ConvertDirectory} holds no tokenizer (tokenizer.json, tokenizer.model or vocab.json); run `./build.sh --target=Convert` first");
        foreach (var name in tokenizerFiles) Copy(Path.Combine(sources.ConvertDirectory, name), name);

        var promptFormat = PromptFormatRecord.Read(sources.PrepareDirectory);
        Copy(Path.Combine(sources.PrepareDirectory, PromptFormatRecord.FileName), PromptFormatRecord.FileName);
        Copy(reportPath, EvaluationReport.FileName);
        foreach (var (selectFolder, name) in Optional)
        {
            var source = Path.Combine(selectFolder(sources), name);
            if (File.Exists(source)) Copy(source, name);
            else log($"{source} not found; the package goes without it");
        }
        if (sources.MergedCheckpointDirectory is { } merged)
            foreach (var file in Directory.EnumerateFiles(merged).Order(StringComparer.Ordinal))
                Copy(file, "merged/" + Path.GetFileName(file));

        var card = ModelCard.Render(new ModelCardInputs
        {
            Report = report,
            Config = config,
            AdapterConfig = ReadAdapterConfig(adapterConfig),
            PromptFormat = promptFormat.Format.ToString().ToLowerInvariant(),
            Tag = tag,
            Files = [.. files, ModelCard.FileName, Sha256Sums.FileName],
        });
        AtomicFile.WriteAllText(Path.Combine(folder, ModelCard.FileName), card);
        files.Add(ModelCard.FileName);

        AtomicFile.WriteAllText(Path.Combine(folder, Sha256Sums.FileName), Sha256Sums.Compute(folder, files));
        files.Add(Sha256Sums.FileName);

        var zipPath = Path.Combine(publishDirectory, tag + ".zip");
        PackageZip.Write(zipPath, folder, files, tag);
        var outer = files.Select(f => $"{tag}/{f}").Append(tag + ".zip");
        AtomicFile.WriteAllText(Path.Combine(publishDirectory, Sha256Sums.FileName), Sha256Sums.Compute(publishDirectory, outer));
        log($"packaged {files.Count} files as {tag}/ and {tag}.zip (adapter sha256 {adapterSha[..12]}…)");
        return AdapterPackage.Open(publishDirectory, tag);
    }

    private static JsonObject ReadAdapterConfig(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new PublishException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new PublishException($"{path}: not valid JSON ({e.Message})");
        }
    }
}
