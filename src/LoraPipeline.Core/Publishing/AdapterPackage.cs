using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>
/// A package in <c>publish/</c>: the folder <c>&lt;tag&gt;/</c> (adapter, tokenizer, prompt format, model card, report, plots and
/// its own <c>SHA256SUMS</c>), <c>&lt;tag&gt;.zip</c> of that folder, and <c>SHA256SUMS</c> over the folder's files and the zip.
/// </summary>
internal sealed class AdapterPackage
{
    private AdapterPackage(string directory, string tag, IReadOnlyList<string> files)
    {
        Directory = directory;
        Tag = tag;
        Files = files;
    }

    /// <summary>The <c>publish/</c> folder.</summary>
    public string Directory { get; }

    /// <summary>The release tag, also the package folder's and the zip's name.</summary>
    public string Tag { get; }

    /// <summary>Files of the package folder, relative to it (<c>/</c>-separated), sorted; its inner <c>SHA256SUMS</c> included.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The package folder <c>publish/&lt;tag&gt;/</c>.</summary>
    public string FolderPath => Path.Combine(Directory, Tag);

    /// <summary>The zip <c>publish/&lt;tag&gt;.zip</c>.</summary>
    public string ZipPath => Path.Combine(Directory, ArtifactNames.PackageZip(Tag));

    /// <summary>The outer <c>publish/SHA256SUMS</c> (package files and the zip).</summary>
    public string SumsPath => Path.Combine(Directory, ArtifactNames.Checksums);

    /// <summary>The files a release carries, by asset name: the zip, <c>SHA256SUMS</c>, the PEFT files, the model card and
    /// <c>report.json</c> (standalone, so that a later run's <c>eval.baseline: release:TAG</c> can fetch it alone).</summary>
    public IReadOnlyList<ReleaseAssetFile> ReleaseAssets() =>
    [
        ReleaseAssetFile.From(Path.GetFileName(ZipPath), ZipPath, "application/zip"),
        ReleaseAssetFile.From(ArtifactNames.Checksums, SumsPath, "text/plain"),
        ReleaseAssetFile.From(ArtifactNames.AdapterConfig, Path.Combine(FolderPath, ArtifactNames.AdapterConfig), "application/json"),
        ReleaseAssetFile.From(ArtifactNames.AdapterWeights, Path.Combine(FolderPath, ArtifactNames.AdapterWeights), "application/octet-stream"),
        ReleaseAssetFile.From(ArtifactNames.ModelCard, Path.Combine(FolderPath, ArtifactNames.ModelCard), "text/markdown"),
        ReleaseAssetFile.From(ArtifactNames.Report, Path.Combine(FolderPath, ArtifactNames.Report), "application/json"),
    ];

    /// <summary>Opens a package written by <see cref="AdapterPackager"/> and checks it against its <c>SHA256SUMS</c>.</summary>
    public static AdapterPackage Open(string publishDirectory, string tag)
    {
        var folder = Path.Combine(publishDirectory, tag);
        var sums = Path.Combine(publishDirectory, ArtifactNames.Checksums);
        if (!File.Exists(sums) || !System.IO.Directory.Exists(folder))
            throw new PublishException($"no package for {tag} in {publishDirectory}; run `./build.sh --target=Publish` to build it");
        var listed = Sha256Sums.Parse(File.ReadAllText(sums));
        var damaged = Sha256Sums.Verify(publishDirectory, listed);
        if (damaged.Count > 0)
            throw new PublishException($"the package in {publishDirectory} does not match its SHA256SUMS: {string.Join(", ", damaged)}; delete the folder and run Publish again");
        var files = listed.Keys.Where(k => k.StartsWith(tag + "/", StringComparison.Ordinal))
            .Select(k => k[(tag.Length + 1)..])
            .Order(StringComparer.Ordinal)
            .ToList();
        return new AdapterPackage(publishDirectory, tag, files);
    }
}
