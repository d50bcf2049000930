using System.ComponentModel;

namespace LoraPipeline.Configuration;

/// <summary>The <c>publish</c> section: the adapter package and its GitHub release.</summary>
internal sealed class PublishOptions
{
    /// <summary>GitHub repository <c>owner/name</c> (defaults to <c>GITHUB_REPOSITORY</c>).</summary>
    [Description("GitHub repository owner/name; defaults to GITHUB_REPOSITORY")]
    public string? Repository { get; set; }

    /// <summary>Adapter version.</summary>
    [Description("adapter version")]
    public string Version { get; set; } = "0.1.0";

    /// <summary>Release tag; <c>{version}</c> is replaced.</summary>
    [Description("release tag; {version} is replaced")]
    public string Tag { get; set; } = "adapter-v{version}";

    /// <summary>Create the release as a draft.</summary>
    [Description("create the release as a draft")]
    public bool Draft { get; set; }

    /// <summary>Mark the release as a prerelease.</summary>
    [Description("mark the release as a prerelease")]
    public bool Prerelease { get; set; }

    /// <summary>Allow replacing a release whose tag exists with different content.</summary>
    [Description("allow replacing a release that exists with different content")]
    public bool Overwrite { get; set; }

    /// <summary>Licence identifier for the model card; null takes the base model card's <c>license</c> (required for an
    /// <c>hf:</c> base whose card declares none).</summary>
    [Description("licence identifier for the model card; unset: the base model card's license (required when an hf: base's card names none)")]
    public string? License { get; set; }

    /// <summary>Languages of the adapter's answers (ISO 639-1 codes) for the model card's <c>language</c>.</summary>
    [Description("languages the adapter answers in (ISO 639-1 codes) for the model card")]
    public List<string> Language { get; set; } = ["en"];

    /// <summary>Also ship the merged checkpoint.</summary>
    [Description("also ship the merged checkpoint")]
    public bool IncludeMerged { get; set; }
}
