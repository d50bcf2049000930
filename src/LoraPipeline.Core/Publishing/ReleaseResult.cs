using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>What a release run did.</summary>
/// <param name="Tag">The tag.</param>
/// <param name="Url">The release's web address.</param>
/// <param name="Created">True when the release was created by this run.</param>
/// <param name="Edited">True when its name, notes or flags were updated.</param>
/// <param name="Uploaded">Assets uploaded that were not there.</param>
/// <param name="Replaced">Assets deleted and uploaded again because their content changed.</param>
/// <param name="Unchanged">Assets left alone because they were identical.</param>
/// <param name="Deleted">Assets removed because the package no longer has them (only with overwrite).</param>
internal sealed record ReleaseResult(string Tag, string Url, bool Created, bool Edited, int Uploaded, int Replaced, int Unchanged, int Deleted)
{
    /// <summary>One line for the console.</summary>
    public string Summary =>
        $"release {Tag} {(Created ? "created" : Edited || Uploaded + Replaced + Deleted > 0 ? "updated" : "unchanged")} ({UrlRedaction.Redact(Url)}): " +
        $"{Uploaded} uploaded, {Replaced} replaced, {Unchanged} unchanged, {Deleted} deleted";
}
