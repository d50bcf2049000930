using LoraPipeline.DatasetGenerator.Templates;

namespace LoraPipeline.DatasetGenerator.Facts;

/// <summary>Site guides of Acme's offices, one document per site.</summary>
public static class Offices
{
    private const string Body = """
        # {city} Office - Site Guide

        Owner: Workplace Services. This guide is for employees and visitors of the {city} office.

        ## Address and access

        The office is at {address}. It is {description}. The building is open to badge holders {opening_hours}; outside those hours call security before entering.

        Visitors sign in at the reception on {reception_floor}, where they receive a day badge. A host must collect them at reception and accompany them at all times.

        ## People

        The site manager is {site_manager}, who approves desk bookings for groups, room changes and deliveries of more than two pallets. First-aid officers are listed on the notice board next to the kitchen.

        ## Facilities

        - Parking: {parking_spaces}, booked through the workplace app. {parking_note}
        - Guest Wi-Fi: network {wifi}; the password changes every Monday and is printed on the reception screen.
        - Meeting rooms: {meeting_rooms}.

        ## Emergencies

        On a fire alarm leave by the nearest stairway and go to the assembly point at {assembly_point}. Do not use the lifts.
        """;

    /// <summary>The site-guide family.</summary>
    public static DocumentFamily Family { get; } = new(
        "offices",
        Body,
        [
            new FieldQuestions("site_manager", "Who is the site manager of {subject}?", "Who manages {subject}?", "Which person approves group desk bookings at {subject}?"),
            new FieldQuestions("address", "What is the address of {subject}?", "Where is {subject} located?"),
            new FieldQuestions("opening_hours", "When is {subject} open to badge holders?", "What are the opening hours of {subject}?"),
            new FieldQuestions("parking_spaces", "How many parking spaces does {subject} have?", "How much parking is available at {subject}?"),
            new FieldQuestions("wifi", "What is the name of the guest Wi-Fi network at {subject}?", "Which Wi-Fi network should visitors use at {subject}?"),
            new FieldQuestions("assembly_point", "Where is the fire assembly point for {subject}?", "Where should people gather after a fire alarm at {subject}?"),
            new FieldQuestions("reception_floor", "On which floor is the reception of {subject}?", "Where do visitors sign in at {subject}?"),
        ],
        [
            new PairQuestions("site_manager", 3, "Who are the site managers of {first} and {second}?", "Which people manage {first} and {second}, respectively?"),
        ],
        [
            Office("Berlin", "Friedrichstrasse 112, 10117 Berlin", "the company headquarters and home of the hardware engineering teams",
                "from 07:00 to 20:00 on weekdays", "the 2nd floor", "Katrin Albers", "48 spaces", "Eight spaces have electric vehicle chargers.",
                "ACME-Guest-BER", "22 rooms on floors 2 to 5", "the courtyard of the neighbouring school on Johannisstrasse"),
            Office("Austin", "500 Congress Avenue, Suite 1400, Austin, TX 78701", "the North American sales and customer support hub",
                "from 06:30 to 21:00 on weekdays", "the 14th floor", "Marcus Delgado", "120 spaces in the shared garage", "Validate garage tickets at reception.",
                "ACME-Guest-AUS", "15 rooms on the 14th floor", "the plaza at the corner of Congress Avenue and 5th Street"),
            Office("Singapore", "8 Marina View, #21-03, Singapore 018960", "the Asia-Pacific sales and logistics office",
                "from 08:00 to 19:00 on weekdays", "the 21st floor", "Priya Raman", "6 spaces", "Public transport is strongly recommended.",
                "ACME-Guest-SGP", "7 rooms", "the open area in front of the Marina View main entrance"),
            Office("Toronto", "155 Wellington Street West, Toronto, ON M5V 3H1", "the home of the Acme Console software teams",
                "from 07:00 to 22:00 on weekdays and 09:00 to 17:00 on Saturdays", "the ground floor", "Olivia Chen", "30 spaces", "Bicycle storage for 40 bicycles is in the basement.",
                "ACME-Guest-TOR", "18 rooms on floors 3 and 4", "the park across Wellington Street"),
            Office("Lyon", "27 Rue de la Republique, 69002 Lyon", "the European manufacturing liaison and quality office",
                "from 07:30 to 19:30 on weekdays", "the 1st floor", "Julien Moreau", "12 spaces", "The building has no visitor parking.",
                "ACME-Guest-LYS", "6 rooms", "Place des Jacobins"),
            Office("Melbourne", "120 Collins Street, Level 9, Melbourne VIC 3000", "the Australian field service centre",
                "from 07:00 to 18:00 on weekdays", "level 9", "Hannah Whitfield", "20 spaces", "Four spaces are reserved for field service vans.",
                "ACME-Guest-MEL", "9 rooms on level 9", "the forecourt of St Michael's Church on Collins Street"),
        ]);

    private static FamilyMember Office(
        string city, string address, string description, string openingHours, string receptionFloor, string siteManager,
        string parkingSpaces, string parkingNote, string wifi, string meetingRooms, string assemblyPoint) =>
        new($"site-guide-{city.ToLowerInvariant()}", $"the {city} office", new Dictionary<string, string>
        {
            ["city"] = city, ["address"] = address, ["description"] = description, ["opening_hours"] = openingHours,
            ["reception_floor"] = receptionFloor, ["site_manager"] = siteManager, ["parking_spaces"] = parkingSpaces,
            ["parking_note"] = parkingNote, ["wifi"] = wifi, ["meeting_rooms"] = meetingRooms, ["assembly_point"] = assemblyPoint,
        });
}
