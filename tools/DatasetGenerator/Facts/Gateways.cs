using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Spec sheets of the ACME-X edge gateways: six look-alike documents that differ in their numbers.</summary>
public static class Gateways
{
    private const string Body = """
        # {code} Edge Gateway - Product Specification

        Product family: Edge gateways. Document owner: Hardware Product Management.

        The {code} Edge Gateway {tagline}. Like every gateway in the ACME-X line it collects readings from Acme field sensors, buffers them locally when the uplink is down and forwards them to Acme Console over an encrypted connection. This sheet lists the values that apply to the {code} only; other models in the line differ.

        ## Hardware

        - Processor: {cpu}
        - Memory: {memory} of RAM
        - Storage: {storage} of industrial-grade eMMC flash
        - Typical power consumption: {power}
        - Power input: {power_input}

        ## Connectivity

        The {code} connects to at most {max_sensors} over the Acme sub-GHz radio and offers {ethernet} for the uplink. {cellular}

        ## Environment

        The gateway is rated for an operating temperature range of {temperature}. Its enclosure carries an {ip_rating} rating, which is why it is also sold for {environment}.

        ## Ordering and warranty

        Order the {code} with part number {part_number}. It first shipped on {launch_date} and is covered by a warranty of {warranty} from the date of shipment. The factory image is firmware {firmware}; later images are installed with the gateway firmware update procedure.
        """;

    /// <summary>The gateway family.</summary>
    public static DocumentFamily Family { get; } = new(
        "gateways",
        Body,
        [
            new FieldQuestions("memory", "How much RAM does {subject} have?", "What is the memory capacity of {subject}?", "How many gigabytes of RAM are installed in {subject}?"),
            new FieldQuestions("storage", "How much flash storage does {subject} provide?", "What is the internal storage capacity of {subject}?", "How large is the built-in eMMC storage of {subject}?"),
            new FieldQuestions("power", "What is the typical power consumption of {subject}?", "How much power does {subject} draw in normal operation?", "How many watts does {subject} typically use?"),
            new FieldQuestions("max_sensors", "How many sensors can {subject} connect to?", "What is the maximum number of field sensors for {subject}?", "Up to how many sensors does {subject} support?"),
            new FieldQuestions("temperature", "What operating temperature range is {subject} rated for?", "In what temperature range can {subject} operate?"),
            new FieldQuestions("part_number", "What is the part number of {subject}?", "Which part number is used to order {subject}?", "Under what part number is {subject} sold?"),
            new FieldQuestions("warranty", "How long is the warranty on {subject}?", "What warranty period applies to {subject}?"),
            new FieldQuestions("launch_date", "When did {subject} first ship?", "On what date was {subject} first shipped?"),
            new FieldQuestions("cpu", "Which processor does {subject} use?", "What CPU is inside {subject}?"),
        ],
        [
            new PairQuestions("memory", 3, "How much RAM do {first} and {second} have, respectively?", "What are the memory capacities of {first} and {second}?"),
            new PairQuestions("warranty", 2, "What are the warranty periods of {first} and {second}?", "How long are {first} and {second} covered by warranty, respectively?"),
            new PairQuestions("max_sensors", 3, "How many sensors can {first} and {second} each connect to?", "What are the sensor limits of {first} and {second}?"),
        ],
        [
            Gateway("x100", "is the entry-level model for small sites such as a single workshop or a cold room",
                cpu: "a dual-core ARM Cortex-A7 at 1.0 GHz", memory: "1 GB", storage: "8 GB", power: "4.5 W", powerInput: "12 V DC",
                maxSensors: "32 sensors", ethernet: "one 100 Mbit/s Ethernet port", cellular: "It has no cellular modem.",
                temperature: "-10 °C to 55 °C", ipRating: "IP40", environment: "indoor cabinets",
                partNumber: "PN-4410-100", launchDate: "9 March 2021", warranty: "2 years", firmware: "2.1.0"),
            Gateway("x200", "is the standard model for factory floors and warehouses",
                cpu: "a quad-core ARM Cortex-A53 at 1.2 GHz", memory: "2 GB", storage: "16 GB", power: "6 W", powerInput: "12 to 24 V DC",
                maxSensors: "64 sensors", ethernet: "two Gigabit Ethernet ports", cellular: "An optional LTE Cat-4 modem is available as a factory option.",
                temperature: "-20 °C to 60 °C", ipRating: "IP54", environment: "dusty production halls",
                partNumber: "PN-4410-200", launchDate: "14 September 2021", warranty: "3 years", firmware: "2.3.2"),
            Gateway("x300", "is the ruggedised model for outdoor yards, pipelines and utility sites",
                cpu: "a quad-core ARM Cortex-A53 at 1.6 GHz", memory: "4 GB", storage: "32 GB", power: "8.5 W", powerInput: "12 to 48 V DC",
                maxSensors: "128 sensors", ethernet: "two Gigabit Ethernet ports", cellular: "A built-in LTE Cat-4 modem with dual SIM slots is standard.",
                temperature: "-40 °C to 70 °C", ipRating: "IP67", environment: "outdoor poles and pipelines",
                partNumber: "PN-4410-300", launchDate: "2 May 2022", warranty: "5 years", firmware: "3.0.1"),
            Gateway("x400", "is the high-capacity model for large plants that run analytics at the edge",
                cpu: "a quad-core ARM Cortex-A72 at 1.8 GHz", memory: "8 GB", storage: "64 GB", power: "12 W", powerInput: "24 V DC",
                maxSensors: "256 sensors", ethernet: "four Gigabit Ethernet ports", cellular: "An optional 5G modem is available as a factory option.",
                temperature: "-20 °C to 60 °C", ipRating: "IP54", environment: "plant control rooms",
                partNumber: "PN-4410-400", launchDate: "21 November 2022", warranty: "3 years", firmware: "3.1.0"),
            Gateway("x500", "is the flagship model for campuses that aggregate several plants",
                cpu: "an octa-core ARM Cortex-A76 at 2.2 GHz", memory: "16 GB", storage: "128 GB", power: "18 W", powerInput: "24 to 48 V DC",
                maxSensors: "512 sensors", ethernet: "four Gigabit Ethernet ports and two 10 Gbit/s SFP+ slots", cellular: "A built-in 5G modem with dual SIM slots is standard.",
                temperature: "-25 °C to 65 °C", ipRating: "IP65", environment: "wash-down areas",
                partNumber: "PN-4410-500", launchDate: "6 June 2023", warranty: "5 years", firmware: "3.2.0"),
            Gateway("x250", "is a variant of the ACME-X200 with more memory for sites that keep a week of readings offline",
                cpu: "a quad-core ARM Cortex-A53 at 1.2 GHz", memory: "4 GB", storage: "64 GB", power: "6.5 W", powerInput: "12 to 24 V DC",
                maxSensors: "64 sensors", ethernet: "two Gigabit Ethernet ports", cellular: "An optional LTE Cat-4 modem is available as a factory option.",
                temperature: "-20 °C to 60 °C", ipRating: "IP54", environment: "remote warehouses with unreliable uplinks",
                partNumber: "PN-4410-250", launchDate: "30 January 2024", warranty: "3 years", firmware: "3.2.0"),
        ]);

    private static FamilyMember Gateway(
        string model, string tagline, string cpu, string memory, string storage, string power, string powerInput,
        string maxSensors, string ethernet, string cellular, string temperature, string ipRating, string environment,
        string partNumber, string launchDate, string warranty, string firmware)
    {
        var code = $"ACME-{model.ToUpperInvariant()}";
        return new FamilyMember($"spec-acme-{model}", $"the {code}", new Dictionary<string, string>
        {
            ["code"] = code, ["tagline"] = tagline, ["cpu"] = cpu, ["memory"] = memory, ["storage"] = storage,
            ["power"] = power, ["power_input"] = powerInput, ["max_sensors"] = maxSensors, ["ethernet"] = ethernet,
            ["cellular"] = cellular, ["temperature"] = temperature, ["ip_rating"] = ipRating, ["environment"] = environment,
            ["part_number"] = partNumber, ["launch_date"] = launchDate, ["warranty"] = warranty, ["firmware"] = firmware,
        });
    }
}
