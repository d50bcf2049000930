using LoraPipeline.Configuration;
using LoraPipeline.Evaluation;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Publishing;

/// <summary>
/// The licence the adapter's model card declares: <c>publish.license</c> when set (a warning when it differs from the base's),
/// else the licence the base model's card declares (an adapter is bound by its base's terms). An <c>hf:</c> base whose card
/// names none needs <c>publish.license</c>; a local or built-in base without either gets a card without <c>license</c>.
/// </summary>
internal static class CardLicense
{
    /// <summary>Resolves the card's licence, or null to leave <c>license</c> out.</summary>
    /// <param name="options">The publish section.</param>
    /// <param name="report">The evaluation report (names the base model's source).</param>
    /// <param name="baseLicense">What the base model's card declared, as Download recorded it, or null.</param>
    /// <param name="log">Warnings and notes.</param>
    public static BaseModelLicense? Resolve(PublishOptions options, EvaluationReport report, BaseModelLicense? baseLicense, Action<string> log)
    {
        if (options.License is { Length: > 0 } configured)
        {
            // The same licence keeps the base card's license_name/license_link; another one stands alone.
            if (baseLicense is not null && string.Equals(baseLicense.Id, configured, StringComparison.OrdinalIgnoreCase)) return baseLicense;
            if (baseLicense is not null)
                log($"warning: publish.license is {configured}, but the base model's card declares {baseLicense.Id}; the adapter's card says {configured}, check that the base's terms allow it");
            return new BaseModelLicense(configured);
        }
        if (baseLicense is not null) return baseLicense;
        if (report.ModelSource.StartsWith("hf:", StringComparison.Ordinal))
            throw new PublishException(
                $"publish.license: the card ({BaseModelLicense.CardFile}) of the base model {report.ModelSource} declares no licence; " +
                "set publish.license to the Hub licence id the adapter is released under (e.g. --set publish.license=apache-2.0)");
        log($"no licence known for the base {report.ModelSource} (no {BaseModelLicense.CardFile} front matter) and publish.license is unset; the model card has no license field");
        return null;
    }
}
