using System.Text.RegularExpressions;

namespace LoraPipeline.Pipeline;

/// <summary>
/// Removes credentials from URLs before they are printed: user info (<c>https://user:ghp_…@host</c>) and query values
/// whose names carry secrets (<c>token</c>, <c>access_token</c>, <c>sig</c>, <c>signature</c>, <c>key</c>, <c>password</c>).
/// </summary>
internal static partial class UrlRedaction
{
    /// <summary>What is printed in place of a secret.</summary>
    public const string Mask = "***";

    /// <summary>Every URL in <paramref name="text"/> with its credentials masked.</summary>
    public static string Redact(string text) =>
        SecretQuery().Replace(UserInfo().Replace(text, m => $"{m.Groups["scheme"].Value}{Mask}@"), m => $"{m.Groups["name"].Value}={Mask}");

    /// <summary><paramref name="url"/> as text, credentials masked.</summary>
    public static string Redact(Uri url) => Redact(url.ToString());

    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<=[?&])(?<name>(?:access_)?token|sig|signature|key|password|api_key)=[^&\s#]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretQuery();
}
