using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using LoraPipeline.Configuration;
using LoraPipeline.Pipeline;
using Octokit;

namespace LoraPipeline.GitHub;

/// <summary>
/// Fetches the <c>report.json</c> of an earlier release for <c>eval.baseline: release:TAG</c> (or <c>release:latest</c>, the
/// newest release that is not a draft, prereleases included), through the same settings as Publish (<c>GITHUB_TOKEN</c>,
/// <c>GITHUB_API_URL</c>, <c>publish.repository</c> or <c>GITHUB_REPOSITORY</c>). It downloads the release's standalone
/// <c>report.json</c> asset, or, for releases made before that asset existed, reads <c>&lt;tag&gt;/report.json</c> from the
/// release's <c>&lt;tag&gt;.zip</c>. Anything missing or unreadable fails closed with a <see cref="GitHubException"/> that names
/// the tag, the repository and what to do, and never the token.
/// </summary>
internal sealed class ReleaseBaseline
{
    /// <summary>The prefix of a release baseline in <c>eval.baseline</c>.</summary>
    public const string Prefix = "release:";

    /// <summary>The tag that stands for the newest non-draft release.</summary>
    public const string Latest = "latest";

    private const long MaxReportBytes = 64L << 20;
    private readonly GitHubSettings _settings;

    /// <summary>Creates a reader for <paramref name="settings"/>.</summary>
    public ReleaseBaseline(GitHubSettings settings) => _settings = settings;

    /// <summary>Whether <paramref name="baseline"/> (an <c>eval.baseline</c> value) names a release rather than a file.</summary>
    public static bool IsRelease(string? baseline) => baseline is not null && baseline.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Resolves the GitHub settings and fetches the report named by <paramref name="baseline"/> (<c>release:TAG</c>).</summary>
    /// <param name="baseline">The <c>eval.baseline</c> value.</param>
    /// <param name="publish">The publish section (its <c>repository</c>).</param>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    public static Task<ReleaseReport> FetchAsync(string baseline, PublishOptions publish, Func<string, string?> environment,
        CancellationToken cancellationToken = default)
    {
        if (!IsRelease(baseline)) throw new ArgumentException($"'{baseline}' does not start with '{Prefix}'", nameof(baseline));
        var tag = baseline[Prefix.Length..].Trim();
        if (tag.Length == 0)
            throw new GitHubException($"eval.baseline: '{baseline}' names no release; use release:<tag> (for example release:adapter-v0.1.0) or release:latest");
        var settings = GitHubSettings.Resolve(publish, environment, out var missing);
        if (settings is null)
        {
            var repository = publish.Repository ?? environment("GITHUB_REPOSITORY");
            var where = string.IsNullOrWhiteSpace(repository) ? "" : $" of {repository.Trim()}";
            throw new GitHubException(
                $"eval.baseline: cannot fetch report.json of release {tag}{where}: {missing}. Set GITHUB_TOKEN (a token that can read the " +
                "repository's releases) and publish.repository or GITHUB_REPOSITORY, or set eval.baseline to the path of a downloaded report.json");
        }
        return new ReleaseBaseline(settings).FetchAsync(tag, cancellationToken);
    }

    /// <summary>Fetches the report of release <paramref name="tag"/> (or <see cref="Latest"/>).</summary>
    public async Task<ReleaseReport> FetchAsync(string tag, CancellationToken cancellationToken = default)
    {
        var release = tag == Latest ? await FindLatestAsync().ConfigureAwait(false) : await FindAsync(tag).ConfigureAwait(false);
        var name = release.TagName;
        var standalone = release.Assets.FirstOrDefault(a => a.Name == ArtifactNames.Report && a.State == "uploaded");
        if (standalone is not null)
        {
            var content = await DownloadAsync(standalone, name, cancellationToken).ConfigureAwait(false);
            return Report(name, $"asset {ArtifactNames.Report}", content);
        }
        var zip = release.Assets.FirstOrDefault(a => a.Name == ArtifactNames.PackageZip(name) && a.State == "uploaded");
        if (zip is null)
            throw Fail(name, $"has neither a {ArtifactNames.Report} asset nor a {ArtifactNames.PackageZip(name)} package; it was not published by " +
                             "LoraPipeline, or its upload was interrupted (run `./build.sh --target=Publish` for it again)");
        var entry = $"{name}/{ArtifactNames.Report}";
        // The package may be large (a merged checkpoint): it goes to a temporary file, not to memory.
        await using var file = new FileStream(Path.GetTempFileName(), System.IO.FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await DownloadAsync(zip, name, file, long.MaxValue, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        return Report(name, $"{entry} in asset {zip.Name}", ReadZipEntry(file, entry, name, zip.Name));
    }

    private ReleaseReport Report(string tag, string source, byte[] content) =>
        new(tag, _settings.Repository, source, content, Convert.ToHexStringLower(SHA256.HashData(content)));

    private GitHubException Fail(string tag, string problem) =>
        new(_settings.Token.Redact($"eval.baseline: release {tag} of {_settings.Repository} ({UrlRedaction.Redact(_settings.ApiUrl)}) {problem}"));

    private async Task<Release> FindAsync(string tag)
    {
        var client = GitHubClients.Octokit(_settings);
        try
        {
            return await client.Repository.Release.Get(_settings.Owner, _settings.Name, tag).ConfigureAwait(false);
        }
        catch (Exception e) when (GitHubErrors.IsNotFound(e))
        {
            throw Fail(tag, "was not found (drafts do not count); check the tag, publish that release first, or set eval.baseline to " +
                            "release:latest or to the path of a report.json. A 404 also means the repository does not exist or the token cannot see it");
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TaskCanceledException)
        {
            throw Baseline(GitHubErrors.Describe(_settings, $"look up release {tag}", e));
        }
    }

    private async Task<Release> FindLatestAsync()
    {
        var client = GitHubClients.Octokit(_settings);
        IReadOnlyList<Release> all;
        try
        {
            all = await client.Repository.Release.GetAll(_settings.Owner, _settings.Name).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TaskCanceledException)
        {
            throw Baseline(GitHubErrors.Describe(_settings, "list releases", e));
        }
        return all.Where(r => !r.Draft)
                   .OrderByDescending(r => r.PublishedAt ?? r.CreatedAt)
                   .ThenByDescending(r => r.Id)
                   .FirstOrDefault()
               ?? throw new GitHubException(
                   $"eval.baseline: release:latest: {_settings.Repository} ({UrlRedaction.Redact(_settings.ApiUrl)}) has no published (non-draft) release; " +
                   "publish one first, or remove eval.baseline for the first release");
    }

    private static GitHubException Baseline(GitHubException e) => new("eval.baseline: " + e.Message);

    private async Task<byte[]> DownloadAsync(ReleaseAsset asset, string tag, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await DownloadAsync(asset, tag, buffer, MaxReportBytes, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task DownloadAsync(ReleaseAsset asset, string tag, Stream destination, long limit, CancellationToken cancellationToken)
    {
        using var client = GitHubClients.Download(_settings);
        try
        {
            using var response = await client.GetAsync(new Uri(asset.Url), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Fail(tag, $"could not be read: downloading its asset {asset.Name} was answered {(int)response.StatusCode} {response.StatusCode}" +
                                (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                                    ? "; check that GITHUB_TOKEN is valid and can read the repository's releases" : ""));
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var chunk = new byte[81920];
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit) throw Fail(tag, $"has an asset {asset.Name} larger than {limit} bytes; it is not a LoraPipeline report");
                await destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Fail(tag, $"could not be read: downloading its asset {asset.Name} failed ({e.Message})");
        }
    }

    private byte[] ReadZipEntry(Stream zip, string entryName, string tag, string assetName)
    {
        try
        {
            using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
            var entry = archive.GetEntry(entryName)
                        ?? throw Fail(tag, $"has no {ArtifactNames.Report} asset, and its {assetName} holds no {entryName}");
            if (entry.Length > MaxReportBytes) throw Fail(tag, $"holds a {entryName} larger than {MaxReportBytes} bytes in {assetName}");
            using var input = entry.Open();
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw Fail(tag, $"has no {ArtifactNames.Report} asset, and its {assetName} is not a readable zip ({e.Message})");
        }
    }
}
