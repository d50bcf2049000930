using LoraPipeline.Configuration;

namespace LoraPipeline.Publishing;

/// <summary>The release tag from <c>publish.tag</c> with <c>{version}</c> replaced by <c>publish.version</c>.</summary>
internal static class ReleaseTag
{
    /// <summary>Resolves the tag (for example <c>adapter-v0.1.0</c>).</summary>
    public static string From(PublishOptions options)
    {
        var tag = options.Tag.Replace("{version}", options.Version, StringComparison.Ordinal);
        Validate(tag);
        return tag;
    }

    /// <summary>Throws a <see cref="PublishException"/> unless <paramref name="tag"/> is a usable tag and file name.</summary>
    public static void Validate(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Any(c => char.IsWhiteSpace(c) || c is '/' or '\\' or ':' or '~' or '^' or '?' or '*' or '[')
            || tag.StartsWith('.') || tag.EndsWith(".lock", StringComparison.Ordinal) || tag.Contains(".."))
            throw new PublishException($"publish.tag: '{tag}' is not a valid release tag (no spaces, slashes, ':', '..' or leading '.')");
    }
}
