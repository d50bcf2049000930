namespace LoraPipeline.Tests.Support;

/// <summary>One request the <see cref="FakeGitHub"/> received.</summary>
public sealed record FakeGitHubRequest(string Method, string Path, string Query, string? Authorization, string? ContentType)
{
    /// <summary>The status sent.</summary>
    public int Status { get; internal set; }

    public bool Mutating => Method is "POST" or "PATCH" or "DELETE" or "PUT";

    public bool IsUpload => Method == "POST" && Path.Contains("/api/uploads/", StringComparison.Ordinal);
}

/// <summary>A release held by the fake.</summary>
public sealed class FakeRelease
{
    public required long Id { get; init; }
    public required string Repository { get; init; }
    public required string TagName { get; set; }
    public string? TargetCommitish { get; set; }
    public string? Name { get; set; }
    public string? Body { get; set; }
    public bool Draft { get; set; }
    public bool Prerelease { get; set; }
    public List<FakeAsset> Assets { get; } = [];
}

/// <summary>An asset held by the fake, with its uploaded bytes.</summary>
public sealed class FakeAsset
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required string ContentType { get; init; }
    public required byte[] Content { get; set; }
    public string State { get; set; } = "uploaded";
}

/// <summary>A canned error answer for the next request that matches.</summary>
public sealed record FakeGitHubFault(string Method, string PathContains, int Status, string Body);
