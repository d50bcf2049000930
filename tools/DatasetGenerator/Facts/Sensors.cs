using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Spec sheets of the ACME-S wireless field sensors.</summary>
public static class Sensors
{
    private const string Body = """
        # {code} {kind} Sensor - Product Specification

        Product family: Wireless field sensors. Document owner: Hardware Product Management.

        The {code} is a battery-powered wireless sensor that measures {measures}. It reports to any ACME-X edge gateway over the Acme sub-GHz radio and is configured from Acme Console. The values below apply to the {code} only.

        ## Measurement

        - Measured quantity: {measures}
        - Measuring range: {measuring_range}
        - Accuracy: {accuracy}
        - Shortest reporting interval: {interval}

        ## Radio and battery

        In open field the {code} reaches a gateway at up to {radio_range}; inside buildings expect about a third of that. With the default reporting interval of 15 minutes its battery lasts {battery_life}. The battery is a {battery} and can be replaced in the field without tools.

        ## Mechanical

        The housing is rated {ip_rating} and mounts with {mounting}.

        ## Ordering and warranty

        Part number: {part_number}. The sensor was introduced on {launch_date} and carries a warranty of {warranty}. Replacement batteries are ordered separately.
        """;

    /// <summary>The sensor family.</summary>
    public static DocumentFamily Family { get; } = new(
        "sensors",
        Body,
        [
            new FieldQuestions("battery_life", "How long does the battery of {subject} last?", "What is the battery life of {subject} at the default reporting interval?", "For how many years does {subject} run on one battery?"),
            new FieldQuestions("radio_range", "What is the open-field radio range of {subject}?", "How far from a gateway can {subject} be placed in open field?"),
            new FieldQuestions("accuracy", "How accurate is {subject}?", "What is the measurement accuracy of {subject}?"),
            new FieldQuestions("interval", "What is the shortest reporting interval of {subject}?", "How often can {subject} report at most?"),
            new FieldQuestions("part_number", "What is the part number of {subject}?", "Which part number do I order for {subject}?"),
            new FieldQuestions("ip_rating", "What ingress protection rating does the housing of {subject} have?", "What IP rating does {subject} carry?"),
            new FieldQuestions("battery", "What battery does {subject} use?", "Which battery type powers {subject}?"),
        ],
        [
            new PairQuestions("battery_life", 2, "How long do the batteries of {first} and {second} last, respectively?", "What are the battery lives of {first} and {second}?"),
            new PairQuestions("radio_range", 2, "What are the open-field radio ranges of {first} and {second}?", "How far can {first} and {second} each reach a gateway in open field?"),
        ],
        [
            Sensor("s10", "Temperature", "air or surface temperature", "-40 °C to 125 °C", "±0.2 °C", "10 seconds", "800 metres",
                "8 years", "3.6 V lithium AA cell", "IP67", "a single M4 screw or the magnetic bracket", "PN-5520-010", "18 April 2021", "2 years"),
            Sensor("s20", "Vibration", "three-axis vibration velocity", "0 to 50 mm/s", "±5 % of reading", "1 second", "600 metres",
                "3 years", "3.6 V lithium C cell", "IP68", "an M8 stud or an epoxy mounting pad", "PN-5520-020", "12 October 2021", "3 years"),
            Sensor("s30", "Humidity", "relative humidity and temperature", "0 to 100 % relative humidity", "±2 % relative humidity", "30 seconds", "800 metres",
                "6 years", "3.6 V lithium AA cell", "IP65", "two screws on the wall plate", "PN-5520-030", "7 February 2022", "2 years"),
            Sensor("s40", "Pressure", "gauge pressure of liquids and gases", "0 to 16 bar", "±0.25 % of full scale", "5 seconds", "1,000 metres",
                "5 years", "3.6 V lithium D cell", "IP67", "a G1/4 process connection", "PN-5520-040", "25 August 2022", "3 years"),
        ]);

    private static FamilyMember Sensor(
        string model, string kind, string measures, string measuringRange, string accuracy, string interval, string radioRange,
        string batteryLife, string battery, string ipRating, string mounting, string partNumber, string launchDate, string warranty)
    {
        var code = $"ACME-{model.ToUpperInvariant()}";
        return new FamilyMember($"spec-acme-{model}", $"the {code} {kind.ToLowerInvariant()} sensor", new Dictionary<string, string>
        {
            ["code"] = code, ["kind"] = kind, ["measures"] = measures, ["measuring_range"] = measuringRange, ["accuracy"] = accuracy,
            ["interval"] = interval, ["radio_range"] = radioRange, ["battery_life"] = batteryLife, ["battery"] = battery,
            ["ip_rating"] = ipRating, ["mounting"] = mounting, ["part_number"] = partNumber, ["launch_date"] = launchDate, ["warranty"] = warranty,
        });
    }
}
