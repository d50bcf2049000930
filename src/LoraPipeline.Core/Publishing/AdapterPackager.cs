using System.Text.Json.Nodes;
using System.Text.Json;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Data;
using LoraPipeline.Evaluation;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>
/// Builds the adapter package in <c>publish/</c> (see <see cref="AdapterPackage"/>) from the committed convert, prepare, train and
/// evaluate folders, after checking that the gate passed for exactly this adapter. Every file is written atomically, and the
/// package is byte-for-byte reproducible from the same inputs.
/// </summary>
internal static class AdapterPackager
{
    /// <summary>Optional files copied when present: (source folder selector, file name).</summary>
    private static readonly (Func<PackageSources, string> Folder, string Name)[] Optional =
    [
        (s => s.TrainDirectory, ArtifactNames.LossPlot),
        (s => s.EvaluateDirectory, ArtifactNames.ReportMarkdown),
        (s => s.EvaluateDirectory, ArtifactNames.MetricsPlot),
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
        var adapterWeights = Path.Combine(sources.AdapterDirectory, ArtifactNames.AdapterWeights);
        var adapterConfig = Path.Combine(sources.AdapterDirectory, ArtifactNames.AdapterConfig);
        foreach (var required in new[] { adapterConfig, adapterWeights })
            if (!File.Exists(required))
                throw new PublishException($"{required} is missing; run `./build.sh --target=Train` first");

        var reportPath = Path.Combine(sources.EvaluateDirectory, ArtifactNames.Report);
        var report = PublishGate.ReadReport(reportPath);
        var adapterSha = FileHashing.Sha256File(adapterWeights);
        PublishGate.Require(report, adapterSha, reportPath, adapterWeights);
        // Resolved before anything is written: a missing licence stops Publish with one line.
        var license = CardLicense.Resolve(config.Publish, report,
            sources.ArtifactsDirectory is { } artifacts ? ModelPointer.RecordedLicense(artifacts) : null, log);

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

        using (var weights = SafetensorsFile.Open(adapterWeights))
        {
            var modules = weights.Names.Select(n => Lora.PeftKeys.TryParse(n, out var path, out _) ? path : n).Distinct();
            foreach (var warning in VllmLint.Check(File.ReadAllText(adapterConfig), adapterConfig, modules)) log($"vLLM: {warning}");
        }
        Copy(adapterConfig, ArtifactNames.AdapterConfig);
        Copy(adapterWeights, ArtifactNames.AdapterWeights);
        if (FileHashing.Sha256File(Path.Combine(folder, ArtifactNames.AdapterWeights)) != adapterSha)
            throw new PublishException($"{adapterWeights} changed while it was packaged; run Publish again");

        var tokenizerFiles = CheckpointConverter.CompanionFiles
            .Where(name => File.Exists(Path.Combine(sources.ConvertDirectory, name)))
            .ToList();
        if (!tokenizerFiles.Any(name => name is "tokenizer.json" or "tokenizer.model" or "vocab.json"))
            throw new PublishException(
                $"{sources.ConvertDirectory} holds no tokenizer (tokenizer.json, tokenizer.model or vocab.json); run `./build.sh --target=Convert` first");
        foreach (var name in tokenizerFiles) Copy(Path.Combine(sources.ConvertDirectory, name), name);

        var promptFormat = PromptFormatRecord.Read(sources.PrepareDirectory);
        Copy(Path.Combine(sources.PrepareDirectory, ArtifactNames.PromptFormat), ArtifactNames.PromptFormat);
        // The base model's chat_template is replaced by the format the adapter was trained and evaluated with.
        ChatTemplateWriter.Write(folder, promptFormat);
        if (!files.Contains("tokenizer_config.json")) files.Add("tokenizer_config.json");
        files.Add(ChatTemplateWriter.TemplateFile);
        Copy(reportPath, ArtifactNames.Report);
        foreach (var (selectFolder, name) in Optional)
        {
            var source = Path.Combine(selectFolder(sources), name);
            if (File.Exists(source)) Copy(source, name);
            else log($"{source} not found; the package goes without it");
        }
        if (sources.MergedCheckpointDirectory is { } merged)
            foreach (var file in Directory.EnumerateFiles(merged).Order(StringComparer.Ordinal))
                Copy(file, $"{ArtifactNames.MergedFolder}/{Path.GetFileName(file)}");

        var card = ModelCard.Render(new ModelCardInputs
        {
            Report = report,
            License = license,
            Config = config,
            AdapterConfig = ReadAdapterConfig(adapterConfig),
            PromptFormat = promptFormat.FormatName,
            Tag = tag,
            Files = [.. files, ArtifactNames.ModelCard, ArtifactNames.Checksums],
        });
        AtomicFile.WriteAllText(Path.Combine(folder, ArtifactNames.ModelCard), card);
        files.Add(ArtifactNames.ModelCard);

        AtomicFile.WriteAllText(Path.Combine(folder, ArtifactNames.Checksums), Sha256Sums.Compute(folder, files));
        files.Add(ArtifactNames.Checksums);

        var zipPath = Path.Combine(publishDirectory, ArtifactNames.PackageZip(tag));
        PackageZip.Write(zipPath, folder, files, tag);
        var outer = files.Select(f => $"{tag}/{f}").Append(ArtifactNames.PackageZip(tag));
        AtomicFile.WriteAllText(Path.Combine(publishDirectory, ArtifactNames.Checksums), Sha256Sums.Compute(publishDirectory, outer));
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
