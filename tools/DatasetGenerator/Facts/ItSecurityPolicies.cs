using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>IT and information-security policies, written by hand with their answer spans marked.</summary>
public static class ItSecurityPolicies
{
    /// <summary>The IT and security policy documents.</summary>
    public static IReadOnlyList<AuthoredDocument> Documents { get; } =
    [
        new("policy-passwords", """
            # Password and Authentication Policy

            Policy owner: Information Security. Applies to every account on Acme systems, including service accounts.

            ## Passwords

            Passwords must be at least [[min_length|14 characters]] long. Passphrases of four or more unrelated words are encouraged. Passwords are not changed on a fixed schedule; they are changed at once when there is any sign of compromise.

            Store passwords only in the company password manager, [[password_manager|Acme Vault]]. Writing passwords down or sharing them, even with IT staff, is forbidden.

            ## Multi-factor authentication

            Multi-factor authentication is mandatory for email, VPN and every system reachable from the internet. The approved methods are the Acme Authenticator app and FIDO2 security keys; text message codes are not accepted.

            ## Lockout

            An account is locked after [[lockout_attempts|5 failed sign-in attempts]] and unlocks automatically after [[lockout_duration|15 minutes]]. The service desk can unlock it sooner after verifying the caller's identity.

            ## Service accounts

            Service account passwords are at least [[service_length|32 characters]] long, generated randomly and rotated every [[service_rotation|180 days]] by the owning team.
            """,
            new Dictionary<string, string[]>
            {
                ["min_length"] = ["What is the minimum password length?", "How long must a password be at least?", "How many characters must an Acme password have?"],
                ["password_manager"] = ["Which password manager must employees use?", "Where should passwords be stored?"],
                ["lockout_attempts"] = ["After how many failed sign-in attempts is an account locked?", "How many wrong passwords lock an account?"],
                ["lockout_duration"] = ["How long does an account lockout last?", "After what time does a locked account unlock automatically?"],
                ["service_length"] = ["How long must service account passwords be?", "What is the minimum length of a service account password?"],
                ["service_rotation"] = ["How often are service account passwords rotated?", "What is the rotation period for service account passwords?"],
            }),

        new("policy-data-classification", """
            # Data Classification and Handling Policy

            Policy owner: Information Security. Applies to all information created or received by Acme.

            ## Classification levels

            Acme uses [[level_count|four levels]]: Public, Internal, Confidential and Restricted. Every document and data set is classified by its owner when it is created; unlabelled information is treated as Internal.

            - Public: approved for release, such as published product specifications.
            - Internal: everyday business information.
            - Confidential: customer data, contracts and unreleased product plans.
            - Restricted: personal data of employees, credentials, and [[restricted_example|source code of gateway firmware]].

            ## Handling rules

            Confidential and Restricted information is encrypted at rest with [[encryption|AES-256]] and in transit with TLS 1.2 or later. Restricted information may only be shared with named people and never through personal email or consumer file sharing services.

            ## Retention

            Customer contracts are kept for [[contract_retention|10 years]] after the contract ends. Security logs are kept for [[log_retention|400 days]]. Personal data of applicants who were not hired is deleted after [[applicant_retention|6 months]].

            ## Disposal

            Paper with Confidential or Restricted information goes into the locked shredding bins. Storage media are wiped or physically destroyed by IT.
            """,
            new Dictionary<string, string[]>
            {
                ["level_count"] = ["How many data classification levels does Acme use?", "How many classification levels are defined in the data handling policy?"],
                ["restricted_example"] = ["Which source code is classified as Restricted?", "What kind of source code falls into the Restricted level?"],
                ["encryption"] = ["Which encryption algorithm protects Confidential data at rest?", "How is Restricted information encrypted at rest?"],
                ["contract_retention"] = ["How long are customer contracts kept after they end?", "What is the retention period for customer contracts?"],
                ["log_retention"] = ["How long are security logs retained?", "For how many days are security logs kept?", "What is the retention period of security logs?"],
                ["applicant_retention"] = ["When is the personal data of rejected applicants deleted?", "How long is data of applicants who were not hired kept?"],
            }),

        new("policy-acceptable-use", """
            # Acceptable Use of IT Resources

            Policy owner: IT Operations. Applies to all laptops, phones, accounts and networks provided by Acme.

            ## Personal use

            Occasional personal use of company devices is allowed if it does not interfere with work, does not break the law and does not use a lot of bandwidth. Personal files must not be stored on company file shares.

            ## Storage

            Each employee has a personal cloud storage quota of [[storage_quota|100 GB]]. Team sites have a quota of [[team_quota|1 TB]]; more can be requested from IT Operations with a business reason.

            ## Removable media

            USB storage devices are blocked on all company laptops. Exceptions are granted for up to [[usb_exception|30 days]] and only for encrypted drives issued by IT.

            ## Software

            Install software only from the Acme Software Center. Browser extensions are limited to the approved list published on the intranet.

            ## Phishing and suspicious messages

            Forward suspicious emails with the Report Phishing button or to [[phishing_address|phishing@acme.example]]. Do not click links or open attachments in them. The security team answers every report within [[phishing_response|one working day]].

            ## Monitoring

            Acme logs access to its systems for security purposes. Logs are reviewed only by the security team and only when there is a concrete reason.
            """,
            new Dictionary<string, string[]>
            {
                ["storage_quota"] = ["What is the personal cloud storage quota for employees?", "How much personal cloud storage does each employee get?"],
                ["team_quota"] = ["What is the storage quota of a team site?", "How much storage does a team site have?"],
                ["usb_exception"] = ["For how long can an exception for USB storage be granted?", "What is the maximum duration of a USB storage exception?"],
                ["phishing_address"] = ["To which address should suspicious emails be forwarded?", "Where do I report a phishing email?", "What is the email address for reporting phishing?"],
                ["phishing_response"] = ["How quickly does the security team answer phishing reports?", "Within what time is a phishing report answered?"],
            }),

        new("policy-incident-response", """
            # Security Incident Response Policy

            Policy owner: Information Security. Applies to all suspected or confirmed security incidents.

            ## Reporting

            Anyone who suspects an incident reports it at once to the security operations centre by phone on extension [[soc_extension|4400]] or through the incident form on the intranet. Do not investigate on your own and do not switch off affected devices.

            ## Severity levels

            - Severity 1: active attack or confirmed data breach. The incident commander responds within [[sev1_response|15 minutes]], at any hour.
            - Severity 2: suspected compromise of a single system. Response within [[sev2_response|1 hour]] during business hours.
            - Severity 3: policy violation without immediate risk. Response within two business days.

            ## Roles

            The on-call incident commander rotates [[rotation|weekly]] among senior security engineers. The commander decides on containment, informs the Chief Information Security Officer and, for personal data, the data protection officer.

            ## Notification

            Personal data breaches are notified to the supervisory authority within [[authority_notice|72 hours]] of discovery, where the law requires it. Customers affected by a breach are informed by their account manager.

            ## After the incident

            Every Severity 1 and Severity 2 incident gets a blameless post-incident review within [[review_deadline|10 business days]]. Its actions are tracked to completion in the risk register.
            """,
            new Dictionary<string, string[]>
            {
                ["soc_extension"] = ["What phone extension reaches the security operations centre?", "Which extension do I call to report a security incident?"],
                ["sev1_response"] = ["How quickly must the incident commander respond to a Severity 1 incident?", "What is the response time for a Severity 1 security incident?", "Within how many minutes is an active attack responded to?"],
                ["sev2_response"] = ["What is the response time for a Severity 2 incident?", "How fast is a suspected compromise of a single system handled?"],
                ["rotation"] = ["How often does the on-call incident commander rotate?", "At what interval does the incident commander role change hands?"],
                ["authority_notice"] = ["Within how many hours must a personal data breach be notified to the authority?", "What is the deadline for notifying a data breach to the supervisory authority?"],
                ["review_deadline"] = ["Within what time is a post-incident review held?", "How soon after a Severity 1 incident must the post-incident review take place?"],
            }),

        new("policy-backup", """
            # Backup and Restore Standard

            Policy owner: IT Operations. Applies to all servers and business applications run by Acme, including the Acme Console cloud service.

            ## Schedule

            Incremental backups run every night at [[backup_time|01:30]] local data-centre time. A full backup runs every [[full_backup_day|Sunday]]. Databases additionally ship transaction logs every [[log_shipping|15 minutes]], which bounds data loss for databases to that interval.

            ## Retention

            Daily backups are kept for [[daily_retention|35 days]] and monthly full backups for [[monthly_retention|13 months]]. Backups that are subject to a legal hold are kept until Legal releases the hold.

            ## Location

            Backups are written to the primary data centre and replicated to a second site in [[offsite_location|Frankfurt]]. Backup copies are immutable for their first seven days, so that ransomware cannot delete them.

            ## Restore testing

            Each application owner restores a sample of their backups [[restore_test|every quarter]] and records the result, including the time the restore took, in the service catalogue.

            ## Targets

            For business-critical applications the recovery time objective is [[rto|4 hours]]; for all others it is two business days.
            """,
            new Dictionary<string, string[]>
            {
                ["backup_time"] = ["At what time do nightly incremental backups run?", "When does the nightly backup start?"],
                ["full_backup_day"] = ["On which day does the full backup run?", "What day of the week are full backups taken?"],
                ["log_shipping"] = ["How often are database transaction logs shipped?", "What is the interval for database log shipping?"],
                ["daily_retention"] = ["How long are daily backups kept?", "What is the retention period for daily backups?"],
                ["monthly_retention"] = ["How long are monthly full backups retained?", "For how many months are monthly backups kept?"],
                ["offsite_location"] = ["Where are backups replicated to?", "In which city is the second backup site?"],
                ["rto"] = ["What is the recovery time objective for business-critical applications?", "How quickly must a business-critical application be restored?"],
            }),

        new("policy-remote-access-vpn", """
            # Remote Access and VPN Standard

            Policy owner: IT Operations. Applies to every connection to internal Acme systems from outside an Acme office.

            ## Client

            Remote access uses the VPN client [[vpn_client|Acme Connect 5]], which IT installs on every company laptop. Private computers cannot connect to the VPN; use the browser-based portal for email and the intranet instead.

            ## Sessions

            A VPN session disconnects after [[idle_timeout|30 minutes]] without traffic and must be re-authenticated every [[reauth|12 hours]]. Split tunnelling is disabled, so all traffic flows through Acme's network while the VPN is connected.

            ## Devices

            Each employee may register at most [[device_limit|2 devices]] for remote access. Devices must run a supported operating system and have disk encryption turned on; non-compliant devices are refused at sign-in.

            ## Contractors

            Contractors receive VPN access for the length of their contract, up to [[contractor_limit|90 days]] at a time, after which the sponsoring manager must renew it.

            ## Support

            VPN problems are reported to the service desk. If the VPN is down company-wide, status updates are posted on [[status_page|status.acme.example]].
            """,
            new Dictionary<string, string[]>
            {
                ["vpn_client"] = ["Which VPN client does Acme use?", "What software is used for remote access to internal systems?"],
                ["idle_timeout"] = ["After how long without traffic does a VPN session disconnect?", "What is the VPN idle timeout?", "How long can a VPN connection stay idle?"],
                ["reauth"] = ["How often must a VPN session be re-authenticated?", "What is the VPN re-authentication interval?"],
                ["device_limit"] = ["How many devices may an employee register for remote access?", "What is the device limit for the VPN?"],
                ["contractor_limit"] = ["For how long at a time do contractors get VPN access?", "What is the maximum VPN access period for contractors before renewal?"],
                ["status_page"] = ["Where are VPN outage updates posted?", "Which page shows the status of a company-wide VPN outage?"],
            }),
    ];
}
