using LoraPipeline.Evaluation;
using LoraPipeline.GitHub;
using LoraPipeline.Pipeline;
using Octokit;

namespace LoraPipeline.Publishing;

/// <summary>
/// Creates or updates the GitHub release of a package through Octokit, idempotently: a release for the tag is found (drafts
/// included), assets whose size and recorded SHA-256 match are left alone, changed ones are deleted and uploaded again (to the
/// release's <c>upload_url</c>), missing ones are uploaded, and the notes are written last with the manifest of what was
/// uploaded. A release whose recorded adapter differs from this package's is replaced only with <c>publish.overwrite</c>.
/// </summary>
internal sealed class ReleasePublisher
{
    private readonly GitHubSettings _settings;
    private readonly IGitHubClient _client;
    private readonly Action<string> _log;

    /// <summary>Creates a publisher for <paramref name="settings"/>; <paramref name="log"/> receives progress lines (never the token).</summary>
    public ReleasePublisher(GitHubSettings settings, Action<string>? log = null)
    {
        _settings = settings;
        _log = log is null ? _ => { } : line => log(settings.Token.Redact(line));
        _client = GitHubClients.Octokit(settings);
    }

    /// <summary>What to release and how.</summary>
    /// <param name="Package">The package (its release assets).</param>
    /// <param name="Report">The evaluation report (notes).</param>
    /// <param name="Draft">Create or keep the release as a draft.</param>
    /// <param name="Prerelease">Mark the release as a prerelease.</param>
    /// <param name="Overwrite">Allow replacing a release of the same tag with different content.</param>
    public sealed record Request(AdapterPackage Package, EvaluationReport Report, bool Draft, bool Prerelease, bool Overwrite);

    /// <summary>Publishes; throws <see cref="PublishException"/> with a clear message on any refusal or GitHub error.</summary>
    public async Task<ReleaseResult> PublishAsync(Request request, CancellationToken cancellationToken = default)
    {
        var tag = request.Package.Tag;
        var assets = request.Package.ReleaseAssets();
        var adapterSha = assets.Single(a => a.Name == ArtifactNames.AdapterWeights).Sha256;
        var owner = _settings.Owner;
        var repo = _settings.Name;

        var release = await FindAsync(tag).ConfigureAwait(false);
        var created = false;
        ReleaseManifest? recorded = null;
        if (release is null)
        {
            var emptyManifest = new ReleaseManifest(adapterSha, new Dictionary<string, (string, long)>());
            var newRelease = new NewRelease(tag)
            {
                Name = tag,
                Body = ReleaseNotes.Render(request.Report, tag, emptyManifest),
                // Always a draft until every asset is uploaded and verified: a failed run leaves at most a draft,
                // which the next run finds and completes, never an empty public release.
                Draft = true,
                Prerelease = request.Prerelease,
                TargetCommitish = _settings.TargetCommitish,
            };
            release = await GitHubErrors.Guard(_settings, $"create release {tag}",
                () => _client.Repository.Release.Create(owner, repo, newRelease)).ConfigureAwait(false);
            created = true;
            _log($"created release {tag} in {_settings.Repository}");
        }
        else
        {
            recorded = ReleaseManifest.Parse(release.Body);
            if (recorded is null || !string.Equals(recorded.AdapterSha256, adapterSha, StringComparison.OrdinalIgnoreCase))
            {
                var theirs = recorded is null ? "unknown (its notes hold no LoraPipeline manifest)" : recorded.AdapterSha256;
                if (!request.Overwrite)
                    throw new PublishException(
                        $"release {tag} already exists in {_settings.Repository} with different content (adapter sha256 {theirs}; " +
                        $"this package's is {adapterSha}); bump publish.version for a new release, or pass --set publish.overwrite=true to replace it");
                _log($"release {tag} holds a different adapter ({theirs}); replacing it (publish.overwrite=true)");
                recorded = null;
            }
        }

        var existing = await GitHubErrors.Guard(_settings, $"list the assets of release {tag}",
            () => _client.Repository.Release.GetAllAssets(owner, repo, release.Id)).ConfigureAwait(false);
        int uploaded = 0, replaced = 0, unchanged = 0, deleted = 0;
        foreach (var asset in assets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remote = existing.FirstOrDefault(a => a.Name == asset.Name);
            if (remote is not null && Identical(remote, asset, recorded))
            {
                unchanged++;
                continue;
            }
            if (remote is not null)
            {
                await DeleteAssetAsync(remote, tag).ConfigureAwait(false);
                replaced++;
            }
            else uploaded++;
            await UploadAsync(release, asset, tag).ConfigureAwait(false);
            _log($"{(remote is null ? "uploaded" : "replaced")} {asset.Name} ({asset.Size} bytes)");
        }
        if (request.Overwrite)
            foreach (var stale in existing.Where(a => assets.All(x => x.Name != a.Name)))
            {
                await DeleteAssetAsync(stale, tag).ConfigureAwait(false);
                deleted++;
                _log($"deleted {stale.Name} (not in this package)");
            }

        await VerifyAssetsAsync(release, assets, tag, uploaded + replaced + deleted == 0 ? existing : null).ConfigureAwait(false);
        var body = ReleaseNotes.Render(request.Report, tag, ReleaseManifest.Of(adapterSha, assets));
        var edited = false;
        if (Normalize(release.Body) != Normalize(body) || release.Name != tag || release.Draft != request.Draft || release.Prerelease != request.Prerelease)
        {
            var update = new ReleaseUpdate { Name = tag, Body = body, Draft = request.Draft, Prerelease = request.Prerelease };
            release = await GitHubErrors.Guard(_settings, $"update release {tag}",
                () => _client.Repository.Release.Edit(owner, repo, release.Id, update)).ConfigureAwait(false);
            edited = !created;
        }
        return new ReleaseResult(tag, release.HtmlUrl ?? "", created, edited, uploaded, replaced, unchanged, deleted);
    }

    private async Task<Release?> FindAsync(string tag)
    {
        try
        {
            return await _client.Repository.Release.Get(_settings.Owner, _settings.Name, tag).ConfigureAwait(false);
        }
        catch (Exception e) when (GitHubErrors.IsNotFound(e))
        {
            // Drafts have no tag yet, so "get by tag" does not see them: look for one in the list before creating another.
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TaskCanceledException)
        {
            throw GitHubErrors.Describe(_settings, $"look up release {tag}", e);
        }
        var all = await GitHubErrors.Guard(_settings, "list releases",
            () => _client.Repository.Release.GetAll(_settings.Owner, _settings.Name)).ConfigureAwait(false);
        return all.FirstOrDefault(r => r.TagName == tag);
    }

    private static bool Identical(ReleaseAsset remote, ReleaseAssetFile local, ReleaseManifest? recorded) =>
        recorded is not null
        && remote.State == "uploaded"
        && remote.Size == local.Size
        && recorded.Assets.TryGetValue(local.Name, out var entry)
        && entry.Size == local.Size
        && string.Equals(entry.Sha256, local.Sha256, StringComparison.OrdinalIgnoreCase);

    private Task DeleteAssetAsync(ReleaseAsset asset, string tag) =>
        GitHubErrors.Guard(_settings, $"delete asset {asset.Name} of release {tag}",
            () => _client.Repository.Release.DeleteAsset(_settings.Owner, _settings.Name, asset.Id));

    /// <summary>Upload attempts per asset; 5xx answers and timeouts are retried after 1, 2, ... seconds.</summary>
    internal const int UploadAttempts = 4;

    /// <summary>Base delay between upload attempts (tests shorten it).</summary>
    internal static TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    private async Task UploadAsync(Release release, ReleaseAssetFile asset, string tag)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var stream = File.OpenRead(asset.Path);
                var upload = new ReleaseAssetUpload(asset.Name, asset.ContentType, stream, TimeSpan.FromHours(1));
                await _client.Repository.Release.UploadAsset(release, upload).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < UploadAttempts && IsTransient(e))
            {
                _log($"upload of {asset.Name} failed ({e.GetType().Name}: {e.Message}); retrying ({attempt}/{UploadAttempts - 1})");
                await Task.Delay(RetryDelay * attempt).ConfigureAwait(false);
                await RemovePartialAsync(release, asset.Name, tag).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApiException or HttpRequestException or TaskCanceledException)
            {
                throw GitHubErrors.Describe(_settings, $"upload {asset.Name} to release {tag}", e);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or TaskCanceledException || (e is ApiException api && (int)api.StatusCode >= 500);

    // A failed upload can leave a half-made asset of that name, which would make the retry a duplicate name.
    private async Task RemovePartialAsync(Release release, string name, string tag)
    {
        var assets = await GitHubErrors.Guard(_settings, $"list the assets of release {tag}",
            () => _client.Repository.Release.GetAllAssets(_settings.Owner, _settings.Name, release.Id)).ConfigureAwait(false);
        foreach (var partial in assets.Where(a => a.Name == name)) await DeleteAssetAsync(partial, tag).ConfigureAwait(false);
    }

    // Every asset of the package is on the release, fully uploaded, with its size: only then is the release published.
    // (An unchanged release is checked against the listing already made, so a re-run only reads twice.)
    private async Task VerifyAssetsAsync(Release release, IReadOnlyList<ReleaseAssetFile> assets, string tag, IReadOnlyList<ReleaseAsset>? listed)
    {
        var remote = listed ?? await GitHubErrors.Guard(_settings, $"list the assets of release {tag}",
            () => _client.Repository.Release.GetAllAssets(_settings.Owner, _settings.Name, release.Id)).ConfigureAwait(false);
        var problems = assets
            .Where(local => !remote.Any(r => r.Name == local.Name && r.State == "uploaded" && r.Size == local.Size))
            .Select(local => local.Name).ToList();
        if (problems.Count > 0)
            throw new PublishException(
                $"release {tag} in {_settings.Repository}: {string.Join(", ", problems)} did not arrive complete; the release stays a draft " +
                "and the next ./build.sh --target=Publish completes it");
    }

    private static string Normalize(string? text) => (text ?? "").Replace("\r\n", "\n").Trim();
}
