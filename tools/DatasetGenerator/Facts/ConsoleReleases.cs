using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Release notes of Acme Console, the fleet management web application, one document per release.</summary>
public static class ConsoleReleases
{
    private const string Body = """
        # Acme Console {version} - Release Notes

        Released: {release_date}. Audience: administrators of Acme Console on-premises and cloud tenants.

        Acme Console {version_label} {summary}. Cloud tenants are upgraded automatically during the weekly maintenance window; on-premises installations upgrade with the installer from the customer portal.

        ## New

        - {feature}: {feature_detail}
        - The audit log now records {audit_detail}.

        ## Fixed

        This release fixes {fixed_issues}, including {notable_fix}.

        ## Compatibility

        - Minimum gateway firmware: {min_firmware}. Gateways on older firmware keep sending readings but cannot be configured from this release.
        - Supported database for on-premises installations: {database}.
        - {deprecation}

        ## Support

        This release is supported until {support_end}. Report problems through the customer portal and quote the build number {build}.
        """;

    /// <summary>The release-notes family.</summary>
    public static DocumentFamily Family { get; } = new(
        "console-releases",
        Body,
        [
            new FieldQuestions("release_date", "When was {subject} released?", "What is the release date of {subject}?", "On what date did {subject} come out?"),
            new FieldQuestions("version_label", "Which Acme Console release introduced {feature}?", "In which version of Acme Console did {feature} first appear?"),
            new FieldQuestions("fixed_issues", "How many issues were fixed in {subject}?", "How many defects does {subject} fix?"),
            new FieldQuestions("min_firmware", "What is the minimum gateway firmware for {subject}?", "Which gateway firmware version does {subject} require at least?"),
            new FieldQuestions("support_end", "Until when is {subject} supported?", "When does support for {subject} end?"),
            new FieldQuestions("build", "What is the build number of {subject}?", "Which build number should be quoted for {subject}?"),
        ],
        [
            new PairQuestions("release_date", 3, "When were {first} and {second} released?", "What are the release dates of {first} and {second}?"),
        ],
        [
            Release("3.0.0", "15 February 2022", "is a major release that replaces the old dashboard with a configurable one",
                "Configurable dashboards", "each user can arrange up to 12 widgets per dashboard", "every change to a dashboard layout",
                "37 issues", "a crash when a gateway reported a timestamp from the future", "firmware 2.1.0", "PostgreSQL 13",
                "The REST API v1 is deprecated and will be removed in version 4.0.0.", "31 August 2023", "3000.118"),
            Release("3.1.0", "10 June 2022", "adds alerting by text message and improves map performance",
                "SMS alerts", "alert rules can send text messages to up to 5 phone numbers", "every change to an alert rule",
                "22 issues", "slow map rendering with more than 2,000 sensors", "firmware 2.1.0", "PostgreSQL 13",
                "Internet Explorer 11 is no longer supported.", "31 December 2023", "3100.204"),
            Release("3.1.2", "2 August 2022", "is a maintenance release with security fixes",
                "Session timeout setting", "administrators can set the idle session timeout between 5 and 120 minutes", "failed sign-in attempts with the source address",
                "9 issues", "a cross-site scripting flaw in sensor names", "firmware 2.3.2", "PostgreSQL 13",
                "No features are deprecated in this release.", "31 December 2023", "3102.031"),
            Release("3.2.0", "17 January 2023", "adds bulk operations for large fleets",
                "Bulk Export", "readings of up to 500 sensors can be exported to CSV in one job", "every export job with its row count",
                "41 issues", "duplicate alerts after a gateway reconnected", "firmware 2.3.2", "PostgreSQL 14",
                "CSV import of sensor lists in the legacy format is deprecated.", "30 June 2024", "3200.415"),
            Release("3.2.1", "28 March 2023", "is a maintenance release for the 3.2 line",
                "Export scheduling", "Bulk Export jobs can run on a daily or weekly schedule", "the user who scheduled each export job",
                "14 issues", "exports that stopped at 65,536 rows", "firmware 2.3.2", "PostgreSQL 14",
                "No features are deprecated in this release.", "30 September 2024", "3201.077"),
            Release("4.0.0", "5 October 2023", "is a major release with a new permission model and the REST API v2",
                "Role-based access control", "administrators define custom roles from 48 permissions", "every role assignment and permission change",
                "63 issues", "gateways shown offline after a daylight saving time change", "firmware 3.0.1", "PostgreSQL 15",
                "The REST API v1 has been removed; use the REST API v2.", "31 October 2025", "4000.902"),
            Release("4.0.3", "23 January 2024", "is a maintenance release for the 4.0 line",
                "Single sign-on with SAML 2.0", "users can sign in through the company identity provider", "single sign-on logins and the identity provider used",
                "18 issues", "role changes that took effect only after signing out", "firmware 3.0.1", "PostgreSQL 15",
                "Local user accounts without multi-factor authentication are deprecated.", "31 March 2026", "4003.140"),
            Release("4.1.0", "11 June 2024", "adds predictive maintenance for vibration sensors",
                "Anomaly detection", "the console flags vibration readings that deviate from a 14-day baseline", "every acknowledged anomaly",
                "29 issues", "wrong battery estimates for the ACME-S20", "firmware 3.1.0", "PostgreSQL 16",
                "PostgreSQL 14 is no longer supported for on-premises installations.", "30 June 2026", "4100.388"),
        ]);

    private static FamilyMember Release(
        string version, string releaseDate, string summary, string feature, string featureDetail, string auditDetail,
        string fixedIssues, string notableFix, string minFirmware, string database, string deprecation, string supportEnd, string build) =>
        new($"release-notes-console-{version.Replace('.', '-')}", $"Acme Console {version}", new Dictionary<string, string>
        {
            ["version"] = version, ["version_label"] = $"version {version}", ["release_date"] = releaseDate, ["summary"] = summary,
            ["feature"] = feature, ["feature_detail"] = featureDetail, ["audit_detail"] = auditDetail, ["fixed_issues"] = fixedIssues,
            ["notable_fix"] = notableFix, ["min_firmware"] = minFirmware, ["database"] = database, ["deprecation"] = deprecation,
            ["support_end"] = supportEnd, ["build"] = build,
        });
}
