"""A near-duplicate test set written for this project (all fiction: places, people and events).

Each event has one wire story, syndicated copies of it with the small edits desks make (a new
headline, a credit line, a trimmed ending, house spelling, a local intro, a dropped paragraph),
two reports on the same event written independently (same facts, same names, sometimes the same
quote, but their own words) and a second-day follow-up that reuses two background paragraphs of
the wire story. Copies must be linked to the wire story; the others must not be linked to anything.
"""

from __future__ import annotations

import re

# A second-day wire story per event: new top and tail around two background paragraphs of the
# first story. The same event, often the same agency, but a different article: never a copy.
FOLLOW_UPS: dict[str, tuple[str, str, str]] = {
    "dam": (
        "Orvell reservoir release ahead of schedule",
        "The level behind the Orvell dam had fallen by two metres by Thursday evening, faster than engineers "
        "expected, and residents of Cassby were told they could unpack.",
        "A full structural survey of the eastern spillway will begin once the water is down, the authority said.",
    ),
    "orchestra": (
        "Ziegler to conduct farewell Bruckner in June",
        "Anton Ziegler will close his fourteen years at the Varrow Philharmonic with Bruckner's Eighth "
        "Symphony in June, the orchestra said on Monday, a week after naming his successor.",
        "Tickets for the farewell go on sale next month, with a share reserved for students.",
    ),
    "ferry": (
        "Marisol refloated and towed to Port Varrow",
        "Salvage crews refloated the ferry Marisol on Monday's high tide and towed it to Port Varrow, where "
        "divers will inspect the damage to its hull.",
        "Northway Ferries said a chartered vessel would restore the Holm service by the weekend.",
    ),
    "vaccine": (
        "First river fever vaccinations given in Marrowdale",
        "The first doses of Esterland's river fever vaccine were given on Monday to residents of a Marrowdale"
        " care home, a week after the regulator approved it.",
        "The health ministry said pharmacies would start offering the vaccine to over-seventies next month.",
    ),
    "strike": (
        "Rail union suspends third strike day as talks progress",
        "The Federation of Rail Workers called off a third strike day on Monday after what both sides called "
        "constructive talks at the conciliation service.",
        "Trains across the north are expected to run normally for the rest of the week.",
    ),
    "bridge": (
        "Tollbridge closure pushed back to June after traders' plea",
        "Kessford council has delayed the closure of the Tollbridge by two months to let traders on Bridge "
        "Street prepare, it said on Thursday.",
        "The repair itself is still expected to take two years.",
    ),
}


EVENTS: list[dict] = [
    {
        "key": "dam",
        "title": "Engineers lower water behind cracked Orvell dam",
        "wire": [
            "Engineers began lowering the reservoir behind the Orvell dam on Tuesday after inspectors found a "
            "crack running along the eastern spillway, the regional water authority said.",
            "About 1,200 residents of the villages of Cassby and Lower Tarn were told to prepare to leave their "
            "homes, although the authority stressed that no evacuation order had yet been given.",
            '"The structure is stable, but we are not taking any chances," said Helga Morrow, the authority\'s '
            'chief engineer. "Bringing the level down by four metres takes the pressure off the damaged section."',
            "The dam, completed in 1958, supplies drinking water to nearly 300,000 people in the Orvell basin. "
            "Its last full inspection, in 2019, found only minor wear.",
            "Pumps borrowed from neighbouring districts were moved into place overnight, and the authority expects "
            "the release to take five days if the weather stays dry.",
            "Local councillors called for an independent review of maintenance spending, which has fallen by a "
            "third over the past decade.",
        ],
        "reports": [
            (
                "Cassby waits as dam crack forces reservoir release",
                "In Cassby, a village of low stone houses a mile below the Orvell dam, people spent Tuesday packing "
                "photographs and medicines into the boots of their cars.\n\nNobody has ordered them out. But after "
                "inspectors spotted a crack on the dam's eastern spillway, the water authority began letting the "
                'reservoir down and told about 1,200 people in Cassby and Lower Tarn to be ready.\n\n"My grandfather '
                'helped pour that concrete," said Ewan Pell, 71, who runs the village shop. "I never thought I\'d '
                'be watching it like this."\n\nChief engineer Helga Morrow has said the structure is stable.',
            ),
            (
                "Years of cuts behind Orvell dam scare, councillors say",
                "Spending on the upkeep of the Orvell basin's reservoirs has fallen by roughly a third in ten years, "
                "according to figures compiled by opposition councillors, who say the crack found at the Orvell dam "
                "this week was a warning that went unheeded.\n\nThe water authority disputes the figures and says "
                "its inspection regime meets national rules. Its chief engineer, Helga Morrow, said on Tuesday that "
                "lowering the water by four metres would relieve the damaged spillway.\n\nCouncillor Priya Anand "
                'wants an independent review. "We have been lucky," she said. "Luck is not a maintenance plan."',
            ),
        ],
    },
    {
        "key": "orchestra",
        "title": "Varrow Philharmonic names Lena Okafor as music director",
        "wire": [
            "The Varrow Philharmonic has appointed the conductor Lena Okafor as its music director, the first "
            "woman to hold the post in the orchestra's 112-year history.",
            "Okafor, 39, has been principal guest conductor since 2022 and will take up the role next September "
            "on a five-year contract, the orchestra announced on Friday.",
            '"This orchestra has a sound I fell in love with the first time I stood in front of it," Okafor '
            'said. "I want every child in this city to hear it at least once."',
            "She succeeds Anton Ziegler, who steps down at the end of the season after fourteen years. Ziegler "
            "will remain conductor laureate.",
            "The orchestra said Okafor would launch a free concert series in schools across the Varrow region "
            "and commission three new works each season from local composers.",
            "Ticket sales at the Philharmonic rose eleven percent last season, helped by a popular series of "
            "late-night concerts that Okafor programmed.",
        ],
        "reports": [
            (
                "Review: Okafor's Mahler shows why Varrow chose her",
                "Two days after the Varrow Philharmonic named her its next music director, Lena Okafor walked on "
                "stage for Mahler's Fifth and left no doubt about the choice.\n\nThe opening trumpet call was "
                "steady rather than showy, and the famous Adagietto moved at a pace that let the strings breathe. "
                "The orchestra, which Anton Ziegler has shaped for fourteen years, played for her with obvious "
                "warmth.\n\nOkafor, 39, takes over next September. On this evidence the wait will feel long.",
            ),
            (
                "Schools to get free concerts under new Philharmonic chief",
                "Primary schools across the Varrow region will host free concerts by the Philharmonic under plans "
                "set out by its incoming music director, Lena Okafor.\n\nHead teachers welcomed the scheme, though "
                "some asked who would pay for buses to bring pupils from outlying villages. The orchestra said "
                "the first concerts would be held in the spring.\n\nOkafor said she wanted every child in the city "
                "to hear the orchestra at least once. She becomes the first woman to lead it in 112 years.",
            ),
        ],
    },
    {
        "key": "ferry",
        "title": "Ferry runs aground off Skellan Point, all 214 aboard safe",
        "wire": [
            "A passenger ferry ran aground off Skellan Point early on Sunday, and all 214 passengers and crew "
            "were taken off safely by lifeboats and fishing vessels, the coastguard said.",
            "The Marisol, operated by Northway Ferries, was on its overnight crossing from Port Varrow to the "
            "island of Holm when it struck rocks in heavy fog at about 4.40 a.m.",
            "Three people were treated in hospital for mild hypothermia. No one was seriously hurt.",
            '"The crew did everything right," said coastguard commander Idris Vane. "They had people in life '
            'jackets and at the muster stations within minutes."',
            "Northway Ferries suspended its Holm service and said it was working with investigators to find out "
            "why the ship had strayed from the usual channel.",
            "Salvage teams will try to refloat the Marisol on Monday's high tide. A small fuel leak was contained "
            "by booms, the environment agency said.",
        ],
        "reports": [
            (
                "'We heard a bang, then the lights went out': Marisol passengers recall night on the rocks",
                "Passengers rescued from the Marisol after it ran aground off Skellan Point described a calm crew "
                'and a long, cold wait in the fog.\n\n"We heard a bang, then the lights went out," said Carys '
                'Dunmore, travelling to Holm with her two sons. "Then someone was handing out life jackets and '
                'telling us exactly where to stand."\n\nAll 214 people on board were brought ashore. Three were '
                "treated for hypothermia.\n\nCoastguard commander Idris Vane said the crew did everything right.",
            ),
            (
                "Holm islanders cut off after ferry grounding",
                "Shops on the island of Holm were rationing milk and bread on Monday after Northway Ferries "
                "suspended its only service following the grounding of the Marisol off Skellan Point.\n\nThe "
                "island council asked the government to charter a replacement vessel. Northway said it hoped to "
                "run a freight-only crossing by midweek.\n\nSalvage crews plan to refloat the ship on the high "
                "tide, and investigators are examining why it left the channel in fog.",
            ),
        ],
    },
    {
        "key": "vaccine",
        "title": "Esterland approves locally made vaccine against river fever",
        "wire": [
            "Esterland's medicines regulator on Wednesday approved the first vaccine against river fever to be "
            "developed and made in the country, clearing the way for a national campaign before the summer.",
            "The vaccine, made by Halden Biologics in Marrowdale, cut symptomatic infections by 78 percent in a "
            "trial of 9,400 adults in the three provinces worst hit by last year's outbreak.",
            "River fever, spread by sandflies that breed along slow-moving rivers, infected more than 40,000 "
            "people last year and killed 61, most of them over the age of seventy.",
            '"This is a good day for public health and for Esterland science," said health minister Tomas '
            'Rekke. "We will start with the oldest and the most exposed."',
            "Halden Biologics said it could deliver two million doses by June. The government has ordered 1.5 million.",
            "Side effects in the trial were mostly mild: a sore arm and, in about one person in ten, a day of fever.",
        ],
        "reports": [
            (
                "Inside the Marrowdale lab that beat river fever",
                "When the river fever outbreak began last spring, the team at Halden Biologics had a candidate "
                "vaccine that had never been tested in people.\n\nFourteen months later the regulator has approved "
                "it. Dr Selma Hart, who led the work, said the team had slept in the lab during the trial's busiest "
                'weeks.\n\n"We knew the sandflies would come back," she said. The vaccine reduced symptomatic '
                "infections by 78 percent among 9,400 volunteers.",
            ),
            (
                "Doctors urge older people to take river fever jab",
                "Family doctors are preparing to vaccinate older patients against river fever from next month, "
                "after the regulator approved a vaccine made by Halden Biologics.\n\nHealth minister Tomas Rekke "
                "said the oldest and most exposed would go first. Last year's outbreak killed 61 people, most of "
                "them over seventy.\n\nSome doctors asked for clearer guidance on patients with weak immune systems, "
                "who were not included in the trial.",
            ),
        ],
    },
    {
        "key": "strike",
        "title": "Rail strike halts trains across the north for second day",
        "wire": [
            "No trains ran across most of northern Esterland on Thursday as drivers walked out for a second day "
            "in a dispute over pay and rostering, stranding tens of thousands of commuters.",
            "The Federation of Rail Workers said 94 percent of its members had joined the strike. Northern Rail "
            "ran a handful of services between Kessford and Ashby using managers as drivers.",
            '"Our members have had three years of promises," said union general secretary Dora Flint. "They '
            'are not going to be fobbed off with a two percent offer."',
            "Northern Rail said its offer of two percent this year and three next was fair and that the union "
            "had refused to discuss changes to weekend rosters.",
            "Roads into Kessford were jammed from early morning. The city council opened extra park-and-ride "
            "sites and asked employers to let staff work from home.",
            "Talks are due to resume on Monday at the conciliation service. A third strike day is planned for "
            "the following week if they fail.",
        ],
        "reports": [
            (
                "Commuters count the cost of rail walkout",
                "For Maren Oakes, a nurse who lives in Ashby and works in Kessford, the second day of the rail "
                'strike meant a taxi fare she could not afford.\n\n"Forty crowns each way," she said outside the '
                'hospital. "I support the drivers, honestly. But somebody has to pay."\n\nThe Federation of Rail '
                "Workers says nearly all its members stayed out. Northern Rail ran only a handful of trains, driven "
                "by managers.",
            ),
            (
                "Analysis: why the rail dispute is about weekends, not pay",
                "On the surface the fight between Northern Rail and the drivers' union is about money: a two "
                "percent offer against a demand for inflation-matching rises.\n\nBut people close to the talks say "
                "the real sticking point is a plan to make weekend shifts compulsory. Dora Flint, the union's "
                "general secretary, has said her members have had three years of promises.\n\nTalks resume on "
                "Monday at the conciliation service.",
            ),
        ],
    },
    {
        "key": "bridge",
        "title": "Kessford's Tollbridge to close for two years of repairs",
        "wire": [
            "Kessford's Tollbridge, the oldest crossing of the river Aln in the city, will close to traffic "
            "for two years from April for a full repair, the city council said on Monday.",
            "Surveys found corrosion in the bridge's iron ties and water damage in two of its five arches. "
            "The work is expected to cost 46 million crowns.",
            '"If we do not do this now, we will be closing it for good in ten years," said transport '
            "councillor Ana Kell.",
            "Pedestrians and cyclists will be able to use a temporary walkway on the downstream side for most "
            "of the works. Buses will be diverted over the New Bridge, adding about eight minutes to journeys.",
            "Traders on Bridge Street fear lost custom. The council said it would offer business rate relief "
            "during the closure.",
            "The Tollbridge carried its last tolls in 1891 but kept its name. About 18,000 vehicles cross it "
            "every day.",
        ],
        "reports": [
            (
                "Bridge Street traders fear two lean years",
                "Shopkeepers on Bridge Street say a two-year closure of the Tollbridge could finish them off, "
                'whatever relief the council offers.\n\n"Half my trade is people driving over from the south side," '
                "said baker Joss Harlan. \"They'll go to the retail park instead and they won't come back.\"\n\nThe "
                "council plans to close the bridge from April to repair corroded ties and damaged arches, at a cost "
                "of 46 million crowns.",
            ),
            (
                "A short history of the Tollbridge, Kessford's stubborn survivor",
                "The Tollbridge has outlived floods, a wartime bomb and at least three plans to replace it.\n\nBuilt "
                "of stone with iron ties in 1774, it charged tolls until 1891. The name stuck.\n\nNow, as the council "
                "prepares to shut it for two years of repairs, historians hope the works will uncover the original "
                "toll house foundations, lost when the south approach was widened in the 1960s.",
            ),
        ],
    },
]


# --- the edits desks make to wire copy -------------------------------------------------------------


def _credit(paragraphs: list[str]) -> list[str]:
    """Dateline and credit added, nothing else touched."""
    return [f"KESSFORD (Meridian Wire) - {paragraphs[0]}"] + paragraphs[1:] + ["Reporting by the Meridian Wire desk."]


def _trim(paragraphs: list[str]) -> list[str]:
    """The last paragraph cut for space."""
    return paragraphs[:-1]


def _house_style(paragraphs: list[str]) -> list[str]:
    """House spelling and verbs: per cent, says, numerals written another way."""
    out = []
    for p in paragraphs:
        p = p.replace(" percent", " per cent").replace(" said.", " says.").replace(" said on ", " said on ")
        p = re.sub(r"\b(\d),(\d{3})\b", r"\1\2", p)
        out.append(p.replace("Tuesday", "Tuesday morning"))
    return out


def _local_intro(paragraphs: list[str]) -> list[str]:
    """A local angle sentence put on top, one paragraph dropped lower down."""
    intro = "Readers in the Halvern valley will be watching this story closely, as our region faced similar questions last year."
    return [intro] + paragraphs[:3] + paragraphs[4:]


def _retype(paragraphs: list[str]) -> list[str]:
    """Whitespace, quotes and case changed only: the same normalised text."""
    return [p.replace('"', "“", 1).upper() if i == 0 else "  " + p.replace(",", " ,") for i, p in enumerate(paragraphs)]


def _rewrite_top(paragraphs: list[str]) -> list[str]:
    """The lead sentence rewritten by a subeditor, the rest left as filed."""
    first = paragraphs[0].split(", ", 1)
    lead = f"In a development reported on Tuesday, {first[1]}" if len(first) == 2 else paragraphs[0]
    return [lead] + paragraphs[1:]


EDITS = {
    "credit": _credit,
    "trim": _trim,
    "house": _house_style,
    "local": _local_intro,
    "retype": _retype,
    "rewrite": _rewrite_top,
    "trim+house": lambda ps: _house_style(_trim(ps)),
}
TITLES = {
    "credit": "{t}",
    "trim": "{t}",
    "house": "{t}",
    "local": "Local angle: {t}",
    "retype": "{t}",
    "rewrite": "UPDATE 1-{t}",
    "trim+house": "{t} - report",
}


def duplicate_cases() -> list[tuple[str, str, str, str | None]]:
    """(key, title, text, expected first copy or None), in arrival order."""
    cases: list[tuple[str, str, str, str | None]] = []
    for event in EVENTS:
        original = f"{event['key']}-wire"
        cases.append((original, event["title"], "\n\n".join(event["wire"]), None))
        report_title, report_text = event["reports"][0]
        cases.append((f"{event['key']}-report-1", report_title, report_text, None))
        for name, edit in EDITS.items():
            cases.append(
                (
                    f"{event['key']}-{name}",
                    TITLES[name].format(t=event["title"]),
                    "\n\n".join(edit(list(event["wire"]))),
                    original,
                )
            )
        report_title, report_text = event["reports"][1]
        cases.append((f"{event['key']}-report-2", report_title, report_text, None))
        title, top, tail = FOLLOW_UPS[event["key"]]
        cases.append((f"{event['key']}-follow-up", title, "\n\n".join([top, *event["wire"][3:5], tail]), None))
    return cases
