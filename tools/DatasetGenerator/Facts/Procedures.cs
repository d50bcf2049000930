using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Step-by-step procedures and the support plan guide, written by hand with their answer spans marked.</summary>
public static class Procedures
{
    /// <summary>The procedure documents.</summary>
    public static IReadOnlyList<AuthoredDocument> Documents { get; } =
    [
        new("procedure-laptop-replacement", """
            # Procedure: Replacing a Faulty or Lost Laptop

            Owner: IT Service Desk. Use this procedure when a company laptop is broken, lost or stolen.

            ## Steps

            1. Open a ticket in [[ticket_tool|ServiceHub]] in the category Hardware, choosing "Laptop replacement".
            2. If the laptop was lost or stolen, also call the service desk at once on extension [[service_desk_extension|2222]] so that the device can be locked and wiped remotely, and report theft to the police.
            3. Back up any local files that are not yet synchronised, if the laptop still works.
            4. The service desk confirms the replacement model. Standard replacements are delivered within [[delivery_time|3 business days]]; engineers with workstation laptops may wait up to two weeks.
            5. Return the old laptop within [[return_deadline|10 days]] of receiving the new one, using the prepaid return box.
            6. IT wipes returned laptops following [[wipe_standard|NIST SP 800-88]] before they are refurbished or recycled.

            ## Costs

            Replacements are charged to the employee's cost centre only after the [[free_replacements|second]] loss within 24 months. Damage by accident is never charged.

            ## Notes

            Laptops are replaced at the end of their life cycle without a ticket: every four years for standard laptops and every three years for workstation laptops.
            """,
            new Dictionary<string, string[]>
            {
                ["ticket_tool"] = ["Where do I open a ticket for a laptop replacement?", "Which ticketing system handles laptop replacements?"],
                ["service_desk_extension"] = ["Which extension reaches the service desk for a lost laptop?", "What number should I call if my laptop is stolen?"],
                ["delivery_time"] = ["How quickly is a standard replacement laptop delivered?", "What is the delivery time for a standard laptop replacement?", "How many days does it take to get a replacement laptop?"],
                ["return_deadline"] = ["How long do I have to return the old laptop?", "Within how many days must the faulty laptop be returned?"],
                ["wipe_standard"] = ["Which standard is followed when wiping returned laptops?", "How does IT wipe returned laptops?"],
            }),

        new("procedure-gateway-firmware-update", """
            # Procedure: Updating ACME-X Gateway Firmware

            Owner: Field Service Engineering. Applies to all ACME-X edge gateways managed by Acme or by customers with a service contract.

            ## Before you start

            Download the firmware image from [[download_portal|updates.acme.example]] and verify its SHA-256 checksum against the release page. Updates are installed only during the agreed maintenance window, by default [[maintenance_window|Tuesday from 22:00 to 02:00]] site time.

            ## Steps

            1. In Acme Console, select the gateways to update. Update at most [[batch_size|25 gateways]] per batch, so that a faulty image cannot take a whole site offline.
            2. Start the update. Each gateway downloads the image, installs it into the inactive partition and restarts.
            3. Wait until every gateway in the batch reports online again. A gateway that is not back within [[rollback_timeout|10 minutes]] rolls back to the previous partition automatically.
            4. Check that sensors report again. If fewer than [[reporting_threshold|95 percent]] of sensors report within an hour, stop and open a case with Field Service Engineering.
            5. Continue with the next batch.

            ## After the update

            Record the new firmware version in the site log. Customers are told about completed updates by email within [[customer_notice|24 hours]].

            ## Older gateways

            Gateways on firmware older than 2.1.0 must first be updated to 2.1.0 with a USB stick on site.
            """,
            new Dictionary<string, string[]>
            {
                ["download_portal"] = ["Where is gateway firmware downloaded from?", "From which site do I get ACME-X firmware images?"],
                ["maintenance_window"] = ["When is the default maintenance window for firmware updates?", "At what time are gateway firmware updates installed by default?"],
                ["batch_size"] = ["How many gateways may be updated per batch?", "What is the maximum batch size for firmware updates?", "How many gateways can be updated at once?"],
                ["rollback_timeout"] = ["After how long does a gateway roll back a failed update?", "When does an updated gateway that is not back online roll back?"],
                ["reporting_threshold"] = ["What share of sensors must report after an update before continuing?", "What is the sensor reporting threshold after a firmware update?"],
                ["customer_notice"] = ["How soon are customers told about completed firmware updates?", "Within how many hours are customers informed after an update?"],
            }),

        new("procedure-vendor-onboarding", """
            # Procedure: Onboarding a New Supplier

            Owner: Procurement. Applies to every new supplier of goods or services with an expected annual spend above EUR 10,000.

            ## Steps

            1. The requesting team fills in the supplier request form and names a business owner.
            2. Procurement sends the supplier the security and sustainability questionnaire. The supplier has [[questionnaire_deadline|20 business days]] to answer it.
            3. Information Security reviews suppliers that will handle Confidential or Restricted data. The review takes up to [[security_review|15 business days]].
            4. Legal checks the contract. Suppliers must hold professional liability insurance of at least [[insurance|EUR 2 million]].
            5. Suppliers with an expected annual spend above [[board_threshold|EUR 250,000]] are approved by the [[approver|Procurement Board]], which meets monthly; others are approved by the head of Procurement.
            6. Finance creates the supplier in the ERP system and the first purchase order can be issued.

            ## Payment terms

            Standard payment terms are [[payment_terms|45 days]] from the invoice date. Shorter terms need the approval of the CFO.

            ## Review

            Active suppliers are reassessed every two years, or at once after a security incident at the supplier.
            """,
            new Dictionary<string, string[]>
            {
                ["questionnaire_deadline"] = ["How long does a supplier have to answer the security questionnaire?", "What is the deadline for the supplier questionnaire?"],
                ["security_review"] = ["How long can the security review of a new supplier take?", "What is the duration of Information Security's supplier review?"],
                ["insurance"] = ["How much professional liability insurance must suppliers hold?", "What is the minimum insurance cover for a new supplier?"],
                ["board_threshold"] = ["Above what annual spend must a supplier be approved by the Procurement Board?", "What spend threshold requires board approval for a supplier?"],
                ["approver"] = ["Who approves suppliers with an expected annual spend above EUR 250,000?", "Which body approves large new suppliers?"],
                ["payment_terms"] = ["What are the standard payment terms for suppliers?", "How many days after the invoice date are suppliers paid?"],
            }),

        new("procedure-access-request", """
            # Procedure: Requesting Access to Systems and Data

            Owner: Identity and Access Management. Applies to all access to Acme applications, file shares and production systems.

            ## Steps

            1. Request access in [[request_tool|ServiceHub]] under "Access request", naming the system, the role and the business reason.
            2. Your manager approves the request. For Confidential or Restricted systems the system owner approves as well.
            3. Standard access is provisioned within [[provisioning_time|1 business day]] of the last approval.
            4. You receive an email when the access is ready. Sign in once within 14 days, otherwise the access is removed again.

            ## Privileged access

            Administrator rights on production systems are never permanent. They are requested per task through the privileged access tool and expire after [[privileged_expiry|8 hours]]. Every privileged session is recorded.

            ## Reviews

            Managers review the access of their team members every [[review_interval|90 days]] and remove anything no longer needed. Unused accounts are disabled automatically after [[inactivity|45 days]] without a sign-in.

            ## Leavers

            Accounts of employees who leave are disabled at [[leaver_time|18:00]] on their last working day and deleted after 30 days.
            """,
            new Dictionary<string, string[]>
            {
                ["request_tool"] = ["Where do I request access to a system?", "Which tool is used for access requests?"],
                ["provisioning_time"] = ["How quickly is standard access provisioned after approval?", "How long does it take to get standard system access?"],
                ["privileged_expiry"] = ["When does privileged access to production expire?", "How long do administrator rights on production last?", "After how many hours are privileged rights revoked?"],
                ["review_interval"] = ["How often do managers review their team's access?", "What is the interval of access reviews?"],
                ["inactivity"] = ["After how many days without a sign-in are accounts disabled?", "When are unused accounts disabled automatically?"],
                ["leaver_time"] = ["At what time are a leaver's accounts disabled on their last day?", "When is the account of an employee who leaves switched off?"],
            }),

        new("procedure-customer-returns", """
            # Procedure: Customer Returns and RMA

            Owner: Customer Support. Applies to ACME-X gateways and ACME-S sensors returned by customers under warranty.

            ## Steps

            1. The customer opens a support case and describes the fault. Support tries remote diagnosis first.
            2. If the device must be returned, support issues a return merchandise authorisation number in the format [[rma_format|RMA-YYYY-NNNNN]] and a prepaid shipping label.
            3. The customer ships the device within [[ship_deadline|30 days]]; after that the RMA number expires.
            4. The returns centre in [[returns_centre|Lyon]] inspects the device within [[inspection_time|5 business days]] of arrival.
            5. If the fault is covered by the warranty, the customer receives a refurbished replacement. Customers on the Enterprise support plan receive a new device shipped in advance, before the faulty one arrives.
            6. If the fault is not covered, support sends a repair quote; devices whose quote is not accepted within [[quote_validity|60 days]] are recycled.

            ## Dead on arrival

            A device that fails within [[doa_period|14 days]] of delivery is treated as dead on arrival and is replaced with a new device without inspection.

            ## Batteries

            Sensor batteries are consumables and are not covered by the warranty.
            """,
            new Dictionary<string, string[]>
            {
                ["rma_format"] = ["What is the format of an RMA number?", "How are return merchandise authorisation numbers formatted?"],
                ["ship_deadline"] = ["Within how many days must a customer ship a returned device?", "When does an RMA number expire?"],
                ["returns_centre"] = ["Where is the returns centre?", "In which city are returned devices inspected?"],
                ["inspection_time"] = ["How long does the returns centre take to inspect a device?", "Within what time is a returned device inspected?"],
                ["quote_validity"] = ["How long is a repair quote valid before the device is recycled?", "After how many days are devices with an unaccepted repair quote recycled?"],
                ["doa_period"] = ["Within how many days of delivery is a failed device treated as dead on arrival?", "What is the dead-on-arrival period for Acme devices?", "How soon after delivery must a device fail to count as dead on arrival?"],
            }),

        new("guide-support-plans", """
            # Customer Support Plans

            Owner: Customer Support. Describes the support plans sold with Acme Console and ACME-X gateways.

            ## Plans

            Acme sells three support plans: Standard, Premium and Enterprise. Every customer has Standard support for the length of the product warranty.

            - Standard: support by email and the customer portal on business days. First response within [[standard_response|1 business day]].
            - Premium: adds phone support from 07:00 to 19:00 on business days. First response within [[premium_response|4 hours]] for critical cases. Premium costs [[premium_price|12 percent]] of the annual licence fee.
            - Enterprise: adds support around the clock and a named technical account manager. First response within [[enterprise_response|30 minutes]] for critical cases, and advance replacement of faulty gateways.

            ## Contact

            Customers open cases in the customer portal. Premium and Enterprise customers can also call the support hotline on [[hotline|+1 555 0142]].

            ## Severity

            The customer sets the severity when opening a case; support may change it after talking to the customer. A case is critical when production monitoring is down for a whole site.

            ## Uptime commitment

            For Acme Console cloud tenants on the Enterprise plan, Acme commits to a monthly availability of [[availability|99.9 percent]], with service credits when it is missed.
            """,
            new Dictionary<string, string[]>
            {
                ["standard_response"] = ["What is the first response time on the Standard support plan?", "How fast does support respond to Standard plan customers?"],
                ["premium_response"] = ["What is the first response time for critical cases on the Premium plan?", "How quickly does Premium support answer a critical case?"],
                ["premium_price"] = ["How much does the Premium support plan cost?", "What is the price of Premium support relative to the licence fee?"],
                ["enterprise_response"] = ["What is the first response time for critical cases on the Enterprise plan?", "How quickly does Enterprise support respond to a critical case?", "What response time do Enterprise customers get for critical issues?"],
                ["hotline"] = ["What is the phone number of the support hotline?", "Which number do Premium customers call for support?"],
                ["availability"] = ["What monthly availability does Acme commit to for Enterprise cloud tenants?", "What is the uptime commitment for Acme Console on the Enterprise plan?"],
            }),
    ];
}
