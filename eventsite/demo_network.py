"""The demo network's gatherings, as their hosts would write them (eventsite.demo builds them).

What such networks run: system-leadership and values-based leadership workshops, "How to be a
change agent", a TED-talk cinema club, neighbourhood partnership meetings, social-media
training, and gatherings in pubs, coffee shops and community centres. No description is
repeated; the venues are made up, in real Leeds neighbourhoods.
"""

from dataclasses import dataclass

from eventsite.models import EventKind

# Made-up venues in real neighbourhoods: (name, place, address).
VENUES = {
    "weavers": ("The Weavers' Rest, back room", "Armley", "41 Town Street, Leeds LS12"),
    "armley-centre": ("Armley Moor Community Centre, main hall", "Armley", "8 Moor Lane, Leeds LS12"),
    "armley-park": ("Meet at the bandstand, Armley Moor Park", "Armley", "Moor Park Road, Leeds LS12"),
    "cup-and-saucer": ("Cup and Saucer Café", "Beeston", "112 Dewsbury Road, Leeds LS11"),
    "beeston-hub": ("Beeston Hill Community Hub, Room 2", "Beeston", "3 Hill Top Road, Leeds LS11"),
    "mango-tree": ("The Mango Tree Café", "Chapeltown", "27 Chapeltown Road, Leeds LS7"),
    "chapeltown-centre": ("Chapeltown Neighbourhood Centre, Room 3", "Chapeltown", "55 Reginald Terrace, Leeds LS7"),
    "kirkgate-rooms": ("Kirkgate Meeting Rooms, first floor", "City Centre", "14 Kirkgate Yard, Leeds LS1"),
    "printers-devil": ("The Printer's Devil, upstairs room", "City Centre", "6 Swan Street, Leeds LS1"),
    "roundhay-road-kitchen": ("Roundhay Road Kitchen (community café)", "Harehills", "240 Roundhay Road, Leeds LS8"),
    "harehills-family-centre": ("Harehills Lane Family Centre", "Harehills", "90 Harehills Lane, Leeds LS9"),
    "bowlers-arms": ("The Bowler's Arms, the snug", "Headingley", "19 North Lane, Leeds LS6"),
    "allotment-pavilion": ("Headingley Allotments Pavilion", "Headingley", "Church Wood Avenue, Leeds LS6"),
    "northern-lights": ("Northern Lights Picture Room", "Headingley", "73 Brudenell Grove, Leeds LS6"),
    "holbeck-mill": ("Holbeck Mill Studios, ground floor", "Holbeck", "2 Marshall Walk, Leeds LS11"),
    "engine-house": ("The Engine House Tap", "Holbeck", "31 Water Lane, Leeds LS11"),
    "seacroft-centre": ("Seacroft Green Community Centre", "Seacroft", "1 Green Parade, Leeds LS14"),
    "seacroft-hub-cafe": ("The Brew Crew Café at Seacroft Hub", "Seacroft", "10 Ironwood Approach, Leeds LS14"),
}


@dataclass(frozen=True)
class Gathering:
    """One gathering of the demo network, as its host would write it."""

    kind: EventKind
    slot: str
    title: str
    venue: str  # a key of VENUES, or "" online
    hours: float
    tags: tuple[str, ...]
    description: str


GATHERINGS = [
    Gathering(
        EventKind.WORKSHOP,
        "morning",
        "Using system leadership to create change",
        "kirkgate-rooms",
        3,
        ("leadership", "co-production"),
        "A hands-on morning on leading across organisations when nobody is in charge of the whole. We work "
        "through **three local stories**: a hospital discharge that went wrong, a housing repair that changed "
        "a life, and a GP practice that started a walking group.\n\nNo slides to speak of, lots of talking in "
        "small groups. Tea from 9:15.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "coffee",
        "Carers' coffee morning",
        "cup-and-saucer",
        1.5,
        ("carers",),
        "A relaxed hour for unpaid carers and the people who support them. Tea, coffee and a friendly face; a "
        "carers' support worker is there if you want a quiet word about breaks or benefits.",
    ),
    Gathering(
        EventKind.OTHER,
        "evening",
        "Neighbourhood partnership meeting: Harehills",
        "harehills-family-centre",
        1.5,
        ("neighbourhoods", "housing"),
        "The open meeting of the Harehills neighbourhood partnership. On the agenda: **the new GP surgery "
        "hours**, the youth club's funding and ideas for the summer fair.\n\n- Residents' questions first\n"
        "- Notes sent round afterwards\n- Urdu and Romanian interpreters booked: ask at the door\n",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "lunchtime",
        "Online lunch-and-learn: benefits advice",
        "",
        1,
        ("housing", "carers"),
        "A welfare rights adviser explains this year's changes and answers questions. Bring your lunch and "
        "your trickiest cases (no names, please).",
    ),
    Gathering(
        EventKind.WALK,
        "morning",
        "Walk and talk round the park",
        "armley-park",
        1,
        ("green-spaces", "loneliness"),
        "An easy hour's walk on flat paths, talking as we go: good for anyone who would rather chat side by "
        "side than across a table. We finish at the park café.",
    ),
    Gathering(
        EventKind.PARTY,
        "evening",
        "Social evening for the whole network",
        "armley-centre",
        3,
        ("loneliness",),
        "Food, music and no name badges with job titles. Bring a dish from home if you like (with a label "
        "saying what's in it), and whoever you would like to bring. Children welcome until 8.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "evening",
        "Pub chat: housing and health",
        "printers-devil",
        2,
        ("housing",),
        "An evening in the upstairs room to talk about damp, overcrowding and what they do to people's health. "
        "Housing officers, health visitors and tenants all welcome. The first round of soft drinks is on us.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "afternoon",
        "Values-based leadership: what do you stand for?",
        "beeston-hub",
        2.5,
        ("leadership",),
        "An afternoon on leading from your values rather than your job title. We each pick the two or three "
        "values that brought us into health and care, then look at the moments at work that squeeze them.\n\n"
        "- Bring a story of a day you were proud of\n- And one of a day you weren't\n\nRun by two members "
        "of the network: one from a GP surgery, one from a tenants' association.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "coffee",
        "Brew and biscuits: meet someone from another sector",
        "mango-tree",
        1,
        ("brew-and-biscuits",),
        "Our matching scheme in person: we pair you with someone from another sector (a GP receptionist with a "
        "housing officer, a social worker with a community gardener) for a 45-minute brew. Just turn up; we do "
        "the pairing on the day.",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "evening",
        "Online: loneliness in winter",
        "",
        1,
        ("loneliness",),
        "An hour online to share ideas for the dark months: phone trees, warm spaces, and how to reach people "
        "who never come to anything. Cameras optional.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "morning",
        "How to be a change agent",
        "chapeltown-centre",
        3,
        ("leadership", "co-production"),
        'For anyone who has ever thought "someone should really do something about this". How small changes '
        "spread: finding allies, starting before you have permission, and not burning out on the way. Based on "
        "the NHS change agents programme; no reading needed beforehand.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "lunchtime",
        "Social prescribers' catch-up",
        "roundhay-road-kitchen",
        1.5,
        ("social-prescribing",),
        "Link workers and social prescribers from across the city swap what's new: groups that have started, "
        "groups that have closed, and where the waiting lists are. Lunch from the community kitchen, pay what "
        "you can.",
    ),
    Gathering(
        EventKind.OTHER,
        "morning",
        "Neighbourhood partnership meeting: Seacroft",
        "seacroft-centre",
        2,
        ("neighbourhoods",),
        "Seacroft's partnership meets in public every two months. This time: the bus route to the hospital, warm "
        "spaces this winter, and a report from the young people's forum.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "afternoon",
        "Social media for community groups: a beginners' workshop",
        "kirkgate-rooms",
        2.5,
        ("digital-skills",),
        "Hands-on help with Facebook, Instagram and WhatsApp groups for voluntary groups and practice teams: "
        "writing a post people read, using photos with permission, keeping personal and work accounts apart."
        "\n\nBring a phone or laptop if you have one; we have tablets to borrow. **Complete beginners are very "
        "welcome.**",
    ),
    Gathering(
        EventKind.WALK,
        "afternoon",
        "Health walk for newcomers",
        "armley-park",
        1,
        ("green-spaces", "frailty"),
        "A gentle 30-minute walk with a trained walk leader, for people getting active again after illness, an "
        "operation or a long winter. Walking sticks and pushchairs welcome: we go at the pace of the slowest.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "evening",
        "Friday pint for the network",
        "weavers",
        2,
        ("loneliness",),
        "No topic, no speaker: a drink at the end of the week with people who understand what your week was "
        "like. Look for the table with the little green flag.",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "lunchtime",
        "Online: what works in discharge planning",
        "",
        1,
        ("frailty", "carers"),
        "Ward staff, social workers and families compare notes on getting people home from hospital safely and "
        "on time. Three ten-minute stories, then an open discussion.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "morning",
        "Frailty: spotting it early",
        "beeston-hub",
        2,
        ("frailty",),
        "A practical session with a community matron on the early signs of frailty (slowing down, losing "
        'weight, a fall that "was nothing") and who to tell. For housing officers, carers and anyone who '
        "visits people at home.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "coffee",
        "Coffee and conversation: loneliness in later life",
        "seacroft-hub-cafe",
        1.5,
        ("loneliness", "frailty"),
        "A morning chat with befriending volunteers, sheltered housing staff and older residents about "
        "loneliness: what helps, what gets in the way, and what we could start in Seacroft this spring.",
    ),
    Gathering(
        EventKind.PARTY,
        "afternoon",
        "Volunteers' thank-you party",
        "chapeltown-centre",
        2.5,
        ("co-production",),
        "Afternoon tea for everyone who gave their time this year: drivers, befrienders, garden helpers, the "
        "people who put the chairs out. **You don't need to have signed up to anything**: if you helped, "
        "you're invited.",
    ),
    Gathering(
        EventKind.OTHER,
        "evening",
        "Open conversation: young people's mental health",
        "harehills-family-centre",
        1.5,
        ("young-people", "mental-health"),
        "Young people, parents, teachers and youth workers talk about which support really reaches teenagers "
        "here, and which doesn't. Led by two members of the youth forum.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "afternoon",
        "Zero suicide: talking about it safely",
        "holbeck-mill",
        3,
        ("zero-suicide", "mental-health"),
        "A gentle, well-supported workshop on asking directly about suicide, and what to do next. Led by a "
        "trainer from a local charity who has lived experience. You can step out at any time; a quiet room is "
        "kept free.",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "evening",
        "Online: values-based leadership for team leads",
        "",
        1.5,
        ("leadership",),
        "A shorter online version of our values-based leadership session, for people who lead small teams. We "
        "each bring one hard conversation and look at how our values can shape it.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "coffee",
        "Newcomers' coffee",
        "beeston-hub",
        1,
        ("brew-and-biscuits",),
        "New to the network, or to health and care in Leeds? Meet a few regulars over a coffee: what goes on, "
        "who runs what, and how to propose a gathering of your own.",
    ),
    Gathering(
        EventKind.WALK,
        "morning",
        "Heritage walk: Holbeck's mills and the people who worked in them",
        "holbeck-mill",
        2,
        ("green-spaces",),
        "A local historian leads us round the old mills and talks about the health of the workers who built "
        "the city, and what has and hasn't changed. About two miles, with some cobbles.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "morning",
        "Using system leadership to create change: run again",
        "seacroft-centre",
        3,
        ("leadership",),
        "So many people asked after the first session that we are running it again. The same shape (stories, "
        "small groups, one thing to try next week) with new stories from Seacroft and Harehills. You need not "
        "have come to the first one.",
    ),
    Gathering(
        EventKind.PARTY,
        "evening",
        "Midsummer social at the allotments",
        "allotment-pavilion",
        3,
        ("green-spaces",),
        "A barbecue (vegetarian food first) at the allotment pavilion, with a tour of the raised beds the social "
        "prescribing garden group built this year.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "evening",
        "Pub quiz for the network",
        "engine-house",
        2.5,
        ("co-production",),
        "Teams of four, from different sectors please. Rounds on local history, music, and the NHS acronyms "
        "nobody can decode. £1 each goes to the food bank.",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "lunchtime",
        "Online: social media without the stress",
        "",
        1,
        ("digital-skills",),
        "A follow-up to the social media workshop: planning a month of posts in an hour, and what to do when a "
        "post gets unkind replies.",
    ),
    Gathering(
        EventKind.OTHER,
        "afternoon",
        "Housing and health drop-in",
        "roundhay-road-kitchen",
        2,
        ("housing",),
        "Bring a housing problem that is affecting your health and talk it through with a housing officer and "
        "a community nurse together, in one visit. No appointment needed.",
    ),
    Gathering(
        EventKind.PUB_COFFEE,
        "coffee",
        "Carers' coffee morning: a better night's sleep",
        "cup-and-saucer",
        1.5,
        ("carers",),
        "A sleep nurse joins us for the first half hour with tips for carers whose nights are broken, then the "
        "usual chat and biscuits.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "afternoon",
        "Dementia-friendly spaces: a walk through our own hall",
        "armley-centre",
        2,
        ("dementia",),
        "We look round the hall together through the eyes of someone living with dementia: signs, lighting, "
        "floors, noise. Then tea, and a list of cheap fixes to take back to your own building.",
    ),
    Gathering(
        EventKind.WALK,
        "afternoon",
        "Green spaces walk with the social prescribing team",
        "seacroft-centre",
        1.5,
        ("social-prescribing", "green-spaces"),
        "Link workers show the parks and green corners they most often send people to, so you can recommend "
        "them with confidence. We finish with a brew at the community centre.",
    ),
    Gathering(
        EventKind.ONLINE_SESSION,
        "evening",
        "Online: how to be a change agent (taster)",
        "",
        1,
        ("leadership",),
        "A one-hour taster of the change agents workshop for people who can't get there in person: finding "
        "your allies, and making the first small move.",
    ),
    Gathering(
        EventKind.WORKSHOP,
        "morning",
        "Co-producing services with patients: where to start",
        "mango-tree",
        2.5,
        ("co-production",),
        "Patients and professionals planning together, as equals, from the first meeting. We share what worked "
        "(and what didn't) in two local projects; you leave with a one-page plan for your own.",
    ),
    Gathering(
        EventKind.OTHER,
        "evening",
        "Ideas swap: what should the network do next?",
        "bowlers-arms",
        1.5,
        ("co-production",),
        "Bring an idea for a gathering (a workshop you would like to run, a film to watch together, a walk you "
        "love) and we will help you turn it into a date on the calendar.",
    ),
    Gathering(
        EventKind.PARTY,
        "evening",
        "End-of-year party: a year of gatherings",
        "chapeltown-centre",
        3,
        ("loneliness",),
        "We look back at the network's year in photos (the cinema nights, the walks, the workshop that ran four "
        "times) and then we dance. Soft drinks and a small bar; the hall is step-free.",
    ),
]
CINEMA_CLUB = (
    "Once a month we watch two or three short TED talks about care, then talk about them over popcorn. "
    "Everyone is welcome: clinicians, carers, patients, students, neighbours. **No need to have seen anything "
    "before**, and you can just listen."
)
CINEMA_NIGHTS = [
    "This month: two short TED talks on kindness in health care, then a chat over popcorn about what kindness "
    "looks like on a busy ward or in a cold flat. Subtitles on.",
    "This month: a TED talk on loneliness as a public health problem, then a short film made by a Leeds "
    "befriending group. One of the befrienders leads the chat after.",
    "This month: TED talks on what doctors can learn from patients, chosen by a patient participation group. "
    "Bring your questions: the chat after is the best part.",
]
