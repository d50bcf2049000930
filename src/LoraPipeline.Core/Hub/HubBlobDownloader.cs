using System.Net;
using System.Net.Http.Headers;
using LoraPipeline.Pipeline;
using Polly;

namespace LoraPipeline.Hub;

/// <summary>
/// Downloads one blob into <c>blobs/&lt;etag&gt;.incomplete</c>, resuming with <c>Range: bytes=N-</c>, verifies it
/// (SHA-256 for LFS files, git blob sha1 for plain files) and only then renames it to <c>blobs/&lt;etag&gt;</c>.
/// A failed verification deletes the download and tries once more from scratch before giving up.
/// </summary>
internal sealed class HubBlobDownloader(HubHttp http, HubCache cache, HubTarget target, string sha, ResiliencePipeline retry, HubProgress progress)
{
    private const int BufferSize = 1 << 16;

    /// <summary>Path of the verified blob after <see cref="FetchAsync"/>.</summary>
    public string BlobPath(HubFile file) => cache.BlobPath(file.Etag);

    public async Task FetchAsync(HubFile file, CancellationToken cancellationToken)
    {
        var blob = cache.BlobPath(file.Etag);
        if (HubCache.TargetLength(blob) == file.Size) return; // verified earlier, by us or by huggingface_hub
        Directory.CreateDirectory(cache.BlobsFolder);
        var partial = blob + ".incomplete";
        var fileTarget = target.ForFile(sha, file.Path);
        var url = $"{http.Settings.Endpoint}/{target.RepoId}/resolve/{sha}/{string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString))}";
        var bar = progress.Start(file.Path, file.Size);
        var algorithm = file.IsLfs ? "SHA-256" : "git blob sha1";
        string? firstActual = null;
        for (var attempt = 1; ; attempt++)
        {
            await retry.ExecuteAsync(async token => await TransferAsync(url, partial, file, fileTarget, bar, token), cancellationToken);
            var actual = file.IsLfs ? FileHashing.Sha256File(partial) : GitBlobHash.Sha1OfFile(partial);
            if (actual == file.Etag)
            {
                File.Move(partial, blob, overwrite: true);
                bar.Done();
                return;
            }
            File.Delete(partial);
            if (attempt >= 2)
                throw new HubException(HubErrorKind.Corrupt,
                    $"{fileTarget}: the download failed verification twice: expected {algorithm} {file.Etag}, got {actual}" +
                    (firstActual is not null && firstActual != actual ? $" (first attempt: {firstActual})" : "") +
                    $". The bad download was deleted; try again later, or check HF_ENDPOINT ({UrlRedaction.Redact(http.Settings.Endpoint)}) and any proxy in between.");
            firstActual = actual;
            progress.Log($"{fileTarget}: {algorithm} mismatch (expected {file.Etag}, got {actual}); downloading it again from scratch");
            bar.Set(0);
        }
    }

    private async ValueTask TransferAsync(string url, string partial, HubFile file, HubTarget fileTarget, HubProgress.FileBar bar, CancellationToken cancellationToken)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > file.Size)
        {
            File.Delete(partial);
            have = 0;
        }
        if (have == file.Size)
        {
            // Complete but never verified (or an empty file): verification decides.
            if (file.Size == 0) await File.WriteAllBytesAsync(partial, [], cancellationToken);
            bar.Set(have);
            return;
        }

        using var request = http.Get(url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, fileTarget, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(partial);
            throw new HubTransientException($"{fileTarget}: the server cannot resume at byte {have}; restarting from byte 0");
        }
        if (have > 0)
        {
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (response.Content.Headers.ContentRange?.From != have)
                {
                    File.Delete(partial);
                    throw new HubTransientException($"{fileTarget}: the server resumed at the wrong byte ({response.Content.Headers.ContentRange}); restarting from byte 0");
                }
                progress.Log($"{fileTarget}: resuming at byte {have} of {file.Size}");
            }
            else
            {
                progress.Log($"{fileTarget}: the server ignored the resume request; restarting from byte 0");
                have = 0;
            }
        }
        bar.Set(have);

        var written = have;
        var buffer = new byte[BufferSize];
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using (var output = new FileStream(partial, have == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.None, BufferSize))
            {
                while (true)
                {
                    stall.CancelAfter(http.Settings.RequestTimeout);
                    int read;
                    try
                    {
                        read = await body.ReadAsync(buffer, stall.Token);
                    }
                    catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new HubTransientException($"{fileTarget}: no data for {http.Settings.RequestTimeout.TotalSeconds:0.##} s after byte {written}", e);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        throw new HubTransientException($"{fileTarget}: connection lost after byte {written} of {file.Size}: {e.Message}", e);
                    }
                    if (read == 0) break;
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    written += read;
                    bar.Advance(read);
                }
                await output.FlushAsync(cancellationToken);
            }
        }
        catch (IOException e) when (DiskSpace.IsDiskFull(e))
        {
            throw DiskSpace.Full(fileTarget, file.Size - have, cache.BlobsFolder, e, fileSize: file.Size);
        }
        if (written < file.Size)
            throw new HubTransientException($"{fileTarget}: connection closed after byte {written} of {file.Size}");
    }
}
