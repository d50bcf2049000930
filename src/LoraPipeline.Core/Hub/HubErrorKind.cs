namespace LoraPipeline.Hub;

/// <summary>What went wrong in a Hub download, so callers can react without parsing messages.</summary>
internal enum HubErrorKind
{
    /// <summary>HTTP 401/403: gated, private or missing repository, or a refused token.</summary>
    Unauthorized,
    /// <summary>HTTP 404: repository, revision or file not found.</summary>
    NotFound,
    /// <summary>Offline mode and the revision is not in the cache.</summary>
    NotCached,
    /// <summary>The repository has no safetensors weights (only pickles or other formats).</summary>
    NoSafetensors,
    /// <summary>A downloaded file failed its SHA-256 or size check twice.</summary>
    Corrupt,
    /// <summary>A file name, revision or hash from the Hub would escape the cache folder.</summary>
    UnsafePath,
    /// <summary>Not enough disk space for the download.</summary>
    DiskFull,
    /// <summary>Network failures that persisted through every retry, or an unexpected HTTP answer.</summary>
    Network,
    /// <summary>The Hub's answer could not be understood.</summary>
    BadResponse,
}
