using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Human-resources policies, written by hand with their answer spans marked.</summary>
public static class HrPolicies
{
    /// <summary>The HR policy documents.</summary>
    public static IReadOnlyList<AuthoredDocument> Documents { get; } =
    [
        new("policy-remote-work", """
            # Remote Work Policy

            Policy owner: People Operations. Applies to all permanent employees whose role does not require presence on a production floor.

            ## Eligibility and allowance

            Employees who have completed their probation period may work remotely for up to [[remote_days|3 days]] per week. The remaining days are spent at the employee's home office so that teams meet in person regularly. Managers may agree a different pattern for individual employees in writing.

            ## Working hours

            Remote employees keep the same contract hours as in the office and must be reachable during the core hours from [[core_hours|10:00 to 15:00]] local time. Meetings that involve more than one site are scheduled inside the core hours.

            ## Equipment

            Acme provides a laptop, a headset and a monitor. In addition, each remote employee may claim a one-off home office allowance of [[equipment_allowance|EUR 400]] for a desk or chair, with receipts, through the expense tool.

            ## Working from abroad

            Working remotely from another country is allowed for at most [[abroad_days|20 working days]] per calendar year and must be approved in advance by People Operations, because of tax and insurance rules.

            ## Requests

            Requests for a permanent remote arrangement are made in the HR portal. The manager answers within [[decision_time|10 working days]]; a refusal must give a business reason.
            """,
            new Dictionary<string, string[]>
            {
                ["remote_days"] = ["How many days per week may employees work remotely?", "What is the maximum number of remote working days per week?", "How much of the week can an employee spend working from home?"],
                ["core_hours"] = ["What are the core hours for remote employees?", "During which hours must remote workers be reachable?"],
                ["equipment_allowance"] = ["How large is the home office allowance for remote employees?", "How much can a remote employee claim for a desk or chair?"],
                ["abroad_days"] = ["How many days per year may employees work remotely from another country?", "What is the annual limit for working from abroad?"],
                ["decision_time"] = ["How long does a manager have to answer a permanent remote work request?", "Within what time must a remote work request be decided?"],
            }),

        new("policy-annual-leave", """
            # Annual Leave and Sick Leave Policy

            Policy owner: People Operations. Applies to all employees; local law prevails where it grants more.

            ## Entitlement

            Full-time employees receive [[annual_leave|28 days]] of paid annual leave per calendar year, in addition to public holidays. Part-time employees receive a proportional amount. Employees with more than ten years of service receive [[long_service_bonus|2 extra days]] per year.

            ## Requesting leave

            Leave is requested in the HR portal. For absences longer than one week, submit the request at least [[notice_period|4 weeks]] in advance; shorter absences need one week of notice. Managers approve or decline within three working days.

            ## Carry-over

            Up to [[carry_over|5 days]] of unused leave may be carried over into the next year. Carried-over days expire if they are not taken by [[carry_over_deadline|31 March]]. Leave beyond that is forfeited unless a manager documented that business needs prevented it.

            ## Sick leave

            Employees who are ill notify their manager before the start of the working day. A medical certificate is required from the [[certificate_day|fourth day]] of absence. Sick days do not reduce annual leave, including sickness during a holiday when a certificate is provided.

            ## Unpaid leave

            Unpaid leave of up to three months may be agreed with the manager and People Operations after two years of service.
            """,
            new Dictionary<string, string[]>
            {
                ["annual_leave"] = ["How many days of paid annual leave do full-time employees get?", "What is the yearly holiday entitlement for full-time staff?", "How much annual leave does a full-time employee receive?"],
                ["long_service_bonus"] = ["How many extra leave days do employees with more than ten years of service receive?", "What is the long-service leave bonus?"],
                ["notice_period"] = ["How far in advance must leave longer than one week be requested?", "What notice is required for an absence of more than a week?"],
                ["carry_over"] = ["How many unused leave days can be carried over into the next year?", "What is the maximum carry-over of annual leave?"],
                ["carry_over_deadline"] = ["By when must carried-over leave be taken?", "When do carried-over leave days expire?"],
                ["certificate_day"] = ["From which day of sickness is a medical certificate required?", "When do employees need a doctor's note for sick leave?"],
            }),

        new("policy-expenses", """
            # Business Expenses Policy

            Policy owner: Finance. Applies to all employees and contractors who spend money on behalf of Acme.

            ## Principles

            Spend company money as if it were your own. Expenses must be necessary for the business, reasonable and supported by an itemised receipt. Use the corporate card where one has been issued.

            ## Limits

            - Meals while travelling: up to [[meal_limit|EUR 60]] per day, including tips.
            - Hotels: up to [[hotel_limit|EUR 190]] per night in most cities; the travel desk publishes higher limits for London, New York and Tokyo.
            - Private car use for business trips is reimbursed at [[mileage_rate|EUR 0.30 per kilometre]].
            - Alcohol is reimbursed only at customer events approved by a director.

            ## Approval

            Expenses are approved by the direct manager. Any single expense above [[director_threshold|EUR 1,500]] also needs approval by a director before the money is spent.

            ## Claims

            Submit claims in the expense tool within [[submission_deadline|60 days]] of the expense, with a photo of each receipt. Claims submitted later are reimbursed only with a written justification. Finance pays approved claims with the next monthly payroll run.

            ## Lost receipts

            If a receipt is lost, fill in the missing receipt declaration in the expense tool. At most [[lost_receipts|two declarations]] are accepted per employee per year.
            """,
            new Dictionary<string, string[]>
            {
                ["meal_limit"] = ["What is the daily meal limit when travelling?", "How much can an employee spend on meals per day on a business trip?"],
                ["hotel_limit"] = ["What is the hotel limit per night in most cities?", "How much may a hotel room cost per night?"],
                ["mileage_rate"] = ["At what rate is private car use reimbursed?", "What is the mileage allowance for business trips by private car?"],
                ["director_threshold"] = ["Above what amount does an expense need a director's approval?", "What is the threshold for director approval of a single expense?", "When is director sign-off needed for an expense?"],
                ["submission_deadline"] = ["Within how many days must expense claims be submitted?", "What is the deadline for submitting an expense claim?"],
                ["lost_receipts"] = ["How many missing receipt declarations are accepted per year?", "How often can an employee declare a lost receipt in a year?"],
            }),

        new("policy-business-travel", """
            # Business Travel Policy

            Policy owner: Finance and Workplace Services. Applies to all travel paid by Acme.

            ## Booking

            All flights, trains and hotels are booked through [[booking_tool|Acme TravelDesk]], so that the company knows where travellers are in an emergency. Bookings made elsewhere are not reimbursed unless TravelDesk was unavailable.

            Book at least [[advance_booking|14 days]] before departure; later bookings need the manager's approval in TravelDesk.

            ## Class of travel

            Economy class is the default. Business class is allowed for flights with a scheduled flight time of more than [[business_class_threshold|8 hours]]. Trains are booked in first class for journeys over three hours.

            ## Safety

            Travellers to countries rated high risk by the security team need a briefing before departure. Travel insurance is provided by [[insurer|Northwind Assurance]]; the policy number is printed in TravelDesk and on the back of the corporate card. In an emergency abroad call the 24-hour assistance line at [[assistance_line|+49 30 5550 1900]].

            ## Per diem

            Instead of meal receipts, employees on trips longer than [[per_diem_threshold|5 nights]] may choose the flat per diem published by Finance for the destination country.

            ## Sustainability

            Within Europe, trips of less than 600 kilometres are made by train where a train connection exists.
            """,
            new Dictionary<string, string[]>
            {
                ["booking_tool"] = ["Which tool must be used to book business travel?", "Where are flights and hotels for business trips booked?"],
                ["advance_booking"] = ["How many days before departure should business travel be booked?", "What is the advance booking requirement for trips?"],
                ["business_class_threshold"] = ["For flights of what length is business class allowed?", "When may employees fly business class?", "Above what flight time is business class permitted?"],
                ["insurer"] = ["Which company provides travel insurance?", "Who is the travel insurance provider?"],
                ["assistance_line"] = ["What number should travellers call in an emergency abroad?", "What is the 24-hour travel assistance phone number?"],
                ["per_diem_threshold"] = ["From what trip length can employees choose the flat per diem?", "How long must a trip be to use the per diem instead of meal receipts?"],
            }),

        new("policy-onboarding", """
            # Employee Onboarding Policy

            Policy owner: People Operations. Describes what a new employee can expect and what managers must prepare.

            ## Before the first day

            The manager opens an onboarding ticket at least three weeks before the start date. IT ships the laptop so that it arrives [[laptop_delivery|2 working days]] before the first day, and the new employee receives an invitation to the HR portal.

            ## First week

            Every new employee is assigned an onboarding buddy from another team. The buddy meets the new employee on the first day and at least once a week for the first [[buddy_period|6 weeks]].

            ## Mandatory training

            The security awareness course and the code of conduct course must be completed within [[training_deadline|10 working days]] of the start date. Access to production systems is granted only after both are complete.

            ## Probation

            The probation period is [[probation|6 months]]. The manager holds a structured review at the end of month three and a final review before the probation ends, using the template in the HR portal.

            ## Feedback

            After [[survey_day|90 days]], People Operations sends the new employee a short survey about the onboarding experience. Results are shared with managers quarterly and without names.
            """,
            new Dictionary<string, string[]>
            {
                ["laptop_delivery"] = ["How long before the first day does a new employee's laptop arrive?", "When is the laptop delivered to a new hire?"],
                ["buddy_period"] = ["For how long does the onboarding buddy meet the new employee weekly?", "How many weeks does the buddy programme last?"],
                ["training_deadline"] = ["Within how many days must new employees complete the mandatory training?", "What is the deadline for the security awareness course for new hires?", "How soon after starting must new staff finish the compulsory courses?"],
                ["probation"] = ["How long is the probation period?", "What is the length of probation for new employees?"],
                ["survey_day"] = ["When do new employees receive the onboarding survey?", "After how many days is the onboarding feedback survey sent?"],
            }),

        new("policy-code-of-conduct", """
            # Code of Conduct - Gifts, Conflicts of Interest and Speaking Up

            Policy owner: Legal and Compliance. Applies to all employees, contractors and board members.

            ## Gifts and hospitality

            Employees may accept gifts from customers or suppliers with a value of up to [[gift_limit|EUR 50]] per person per year. Anything above that is declined politely or, where declining would offend, handed to Compliance. Cash and vouchers are never accepted.

            Invitations to events are registered in the gift register within [[register_deadline|5 working days]].

            ## Conflicts of interest

            Declare any financial interest in a supplier, customer or competitor to your manager and Compliance. Relatives must not report to each other directly.

            ## Speaking up

            Concerns about misconduct can be raised with a manager, with Compliance, or anonymously through the [[hotline|Acme Integrity Line]], which is operated by an external provider and available in 14 languages. Acme does not tolerate retaliation against anyone who raises a concern in good faith.

            ## Training

            All employees complete the code of conduct course every year by [[training_due|30 November]]. Completion rates are reported to the board.

            ## Consequences

            Breaches can lead to disciplinary action up to dismissal. Compliance investigates every report and closes it within [[investigation_target|60 days]] where possible.
            """,
            new Dictionary<string, string[]>
            {
                ["gift_limit"] = ["What is the maximum value of gifts an employee may accept?", "Up to what value can gifts from suppliers be accepted?"],
                ["register_deadline"] = ["Within how many days must event invitations be registered?", "How quickly must hospitality be entered in the gift register?"],
                ["hotline"] = ["How can misconduct be reported anonymously?", "What is the name of the anonymous whistleblowing channel?"],
                ["training_due"] = ["By what date must the annual code of conduct course be completed?", "When is the yearly code of conduct training due?"],
                ["investigation_target"] = ["Within how many days does Compliance aim to close an investigation?", "What is the target time for closing a misconduct report?"],
            }),
    ];
}
