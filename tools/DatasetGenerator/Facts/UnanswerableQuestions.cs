namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>
/// Plausible questions the knowledge base does not answer. Many sit right next to real facts (a model that does
/// not exist, a detail a document mentions without stating, a city without an office) so that retrieval finds
/// convincing but useless passages and the model has to learn to refuse rather than guess.
/// </summary>
public static class UnanswerableQuestions
{
    /// <summary>The refusal sentence every unanswerable question is answered with.</summary>
    public const string RefusalAnswer = "The provided documents do not contain the answer to this question.";

    /// <summary>Group slug to paraphrases.</summary>
    public static IReadOnlyList<(string Slug, string[] Paraphrases)> Groups { get; } =
    [
        ("x300-weight", ["How much does the ACME-X300 weigh?", "What is the weight of the ACME-X300 gateway?"]),
        ("x200-price", ["What is the list price of the ACME-X200?", "How much does an ACME-X200 cost?", "What does the ACME-X200 gateway sell for?"]),
        ("x600-memory", ["How much RAM does the ACME-X600 have?", "What is the memory capacity of the ACME-X600?"]),
        ("x500-dimensions", ["What are the dimensions of the ACME-X500?", "How large is the ACME-X500 enclosure in millimetres?"]),
        ("s50-battery", ["How long does the battery of the ACME-S50 last?", "What is the battery life of the ACME-S50 sensor?"]),
        ("s10-certification", ["Which hazardous area certification does the ACME-S10 have?", "Is the ACME-S10 certified for ATEX zones, and which zone?"]),
        ("s20-frequency", ["What radio frequency does the ACME-S20 transmit on?", "On which frequency band in MHz does the ACME-S20 operate?"]),
        ("console-420-date", ["When will Acme Console 4.2.0 be released?", "What is the planned release date of Acme Console 4.2.0?"]),
        ("console-browsers", ["Which browser versions does Acme Console 4.1.0 support?", "What is the minimum Chrome version for Acme Console?"]),
        ("console-licence-price", ["How much does an Acme Console licence cost per year?", "What is the annual licence fee for Acme Console?"]),
        ("berlin-wifi-password", ["What is the guest Wi-Fi password at the Berlin office?", "Which password do visitors use for the Wi-Fi in Berlin?"]),
        ("paris-office", ["How many parking spaces does the Paris office have?", "Who is the site manager of the Paris office?"]),
        ("austin-canteen", ["When does the canteen at the Austin office open?", "What are the canteen hours in Austin?"]),
        ("tokyo-hotel-limit", ["What is the hotel limit per night in Tokyo?", "How much may a hotel in Tokyo cost per night?"]),
        ("parental-leave", ["How many weeks of parental leave do employees get?", "What is the parental leave entitlement at Acme?", "How long is paid maternity leave?"]),
        ("dress-code", ["What is the dress code in the office?", "Are employees allowed to wear jeans at work?"]),
        ("ceo-name", ["Who is the chief executive officer of Acme?", "What is the name of Acme's CEO?"]),
        ("cfo-name", ["What is the name of Acme's CFO?", "Who is the chief financial officer?"]),
        ("pension", ["How much does Acme contribute to the company pension plan?", "What is the employer pension contribution?"]),
        ("bonus", ["When is the annual bonus paid?", "How is the yearly bonus calculated?"]),
        ("company-car", ["Which employees are entitled to a company car?", "What is the company car policy?"]),
        ("mobile-phone-model", ["Which smartphone model does Acme issue to employees?", "What phone do employees get from IT?"]),
        ("wifi-office-password", ["How often does the corporate Wi-Fi certificate expire?", "What is the validity period of the corporate Wi-Fi certificate?"]),
        ("printer", ["How do I install a printer on my laptop?", "Which printers are available in the office?"]),
        ("laptop-model", ["Which laptop model do standard employees receive?", "What brand of laptop does IT issue?"]),
        ("training-budget", ["What is the annual training budget per employee?", "How much can an employee spend on courses per year?"]),
        ("stock-ticker", ["What is Acme's stock ticker symbol?", "On which stock exchange is Acme listed?"]),
        ("employee-count", ["How many employees does Acme have?", "What is the total headcount of the company?"]),
        ("gateway-export-control", ["What is the export control classification of the ACME-X gateways?", "Which ECCN applies to the ACME-X500?"]),
        ("console-api-rate-limit", ["What is the rate limit of the Acme Console REST API v2?", "How many API requests per minute does Acme Console allow?"]),
        ("sev3-commander", ["Who is the current on-call incident commander?", "Which engineer is on call for security incidents this week?"]),
        ("x100-din-rail", ["Which DIN rail mounting kit fits the ACME-X100?", "What is the part number of the DIN rail kit for the ACME-X100?"]),
        ("x400-mtbf", ["What is the mean time between failures of the ACME-X400?", "How many hours MTBF does the ACME-X400 have?"]),
        ("s40-calibration", ["How often must the ACME-S40 be recalibrated?", "What is the calibration interval of the ACME-S40 pressure sensor?"]),
        ("s30-price", ["How much does an ACME-S30 humidity sensor cost?", "What is the unit price of the ACME-S30?"]),
        ("console-310-fixed-issues-list", ["Which ticket numbers were fixed in Acme Console 3.1.0?", "What are the issue IDs of the fixes in Acme Console 3.1.0?"]),
        ("console-mobile-app", ["Is there a mobile app for Acme Console?", "Which mobile platforms does the Acme Console app support?"]),
        ("singapore-parking-fee", ["How much does parking cost at the Singapore office?", "What is the daily parking fee in Singapore?"]),
        ("lyon-meeting-room-booking", ["How far in advance can meeting rooms be booked in Lyon?", "What is the booking horizon for meeting rooms at the Lyon office?"]),
        ("remote-work-internet-allowance", ["Is there a monthly internet allowance for remote employees?", "How much does Acme pay towards home internet costs?", "What monthly stipend do remote workers get for internet?"]),
        ("sabbatical", ["After how many years can employees take a sabbatical?", "What is the sabbatical policy?"]),
        ("expenses-currency-rate", ["Which exchange rate is used for expenses in foreign currencies?", "How are foreign currency expenses converted?"]),
        ("overtime", ["How is overtime compensated?", "Do employees get paid for overtime hours?"]),
    ];
}
