"""The demo's brew and biscuits: a pool across sectors and places, venues stewards keep, and
one round that has run its course (made by the real matcher, three weeks ago; the pairs
agreed a time, met or not, and answered the follow-up). eventsite.demo calls it.

The round's introductions and follow-ups are not kept in the mail queue: the demo sends nothing.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from eventsite.brew_rounds import start_round
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import (
    BrewFrequency,
    BrewMember,
    BrewMode,
    BrewSector,
    BrewVenue,
    MetAnswer,
    OutboxMail,
    Person,
    Place,
)

# Coffee shops and community spaces stewards suggest, by locality (made up, in real neighbourhoods).
BREW_VENUES = [
    ("Armley", "Cup of Armley", "12 Town Street, Leeds LS12"),
    ("Beeston", "Cup and Saucer Café", "112 Dewsbury Road, Leeds LS11"),
    ("Chapeltown", "The Mango Tree Café", "27 Chapeltown Road, Leeds LS7"),
    ("City Centre", "Kirkgate Market café corner", "Kirkgate Market, Leeds LS2"),
    ("City Centre", "Central Library tea room", "Calverley Street, Leeds LS1"),
    ("Harehills", "Roundhay Road Kitchen", "240 Roundhay Road, Leeds LS8"),
    ("Seacroft", "The Brew Crew Café at Seacroft Hub", "10 Ironwood Approach, Leeds LS14"),
]
ORGANISATIONS = {
    BrewSector.NHS_HOSPITAL: ["St James's discharge team", "Leeds General, outpatients"],
    BrewSector.PRIMARY_CARE: ["Armley Moor GP practice", "Chapeltown health centre"],
    BrewSector.COMMUNITY_HEALTH: ["District nursing, east", "Community mental health team"],
    BrewSector.SOCIAL_CARE: ["Adult social care, west", "Reablement team"],
    BrewSector.HOUSING: ["Leeds Housing Options", "Seacroft tenants' association"],
    BrewSector.VOLUNTARY: ["Befriending Leeds", "Harehills food bank"],
    BrewSector.PUBLIC_HEALTH: ["Public health, Leeds City Council", ""],
    BrewSector.PATIENT_CARER: ["", ""],
    BrewSector.OTHER: ["Leeds Library service", ""],
}
ABOUT = [
    "How discharge planning looks from the ward, and what happens after people get home.",
    "Could show you how a food bank referral works, start to finish.",
    "Would love to learn how social prescribing link workers find what's on locally.",
    "Happy to talk about caring for my mum, and what helped.",
    "Interested in how housing repairs get prioritised for people with health needs.",
    "Could show you a day on the district nursing rounds.",
    "",
]
INTERESTS = ["dementia", "carers", "housing", "frailty", "mental-health", "social-prescribing", "loneliness"]
POOL_SIZE = 26
ROUND_DAYS_AGO = 21
MET = [MetAnswer.YES, MetAnswer.YES, MetAnswer.YES, MetAnswer.NOT_YET, MetAnswer.COULD_NOT]


def seed_brew(people: list[Person], places: dict[str, Place]) -> int:
    """The pool (POOL_SIZE of the demo's people), the venues, and one completed round."""
    rng = random.Random(13)
    db.session.add_all(
        BrewVenue(place=places[where], name=name, address=address) for where, name, address in BREW_VENUES
    )
    sectors, localities = list(BrewSector), [places[name] for name in sorted(places)]
    for number, person in enumerate(rng.sample(people, POOL_SIZE)):
        sector = sectors[number % len(sectors)]
        mode = (BrewMode.EITHER, BrewMode.IN_PERSON, BrewMode.EITHER, BrewMode.ONLINE)[number % 4]
        member = BrewMember(person=person, sector=sector, mode=mode, organisation=rng.choice(ORGANISATIONS[sector]),
                            place=None if mode is BrewMode.ONLINE else localities[number % len(localities)],
                            travels=mode is not BrewMode.ONLINE and number % 5 == 0, about=rng.choice(ABOUT),
                            interests=rng.sample(INTERESTS, rng.randint(0, 2)), share_email=number % 6 != 0,
                            frequency=(BrewFrequency.EVERY_ROUND, BrewFrequency.MONTHLY)[number % 2],
                            created_at=utcnow() - timedelta(days=40))  # fmt: skip
        db.session.add(member)
    db.session.flush()
    _completed_round(rng, utcnow() - timedelta(days=ROUND_DAYS_AGO))
    return POOL_SIZE


def _completed_round(rng: random.Random, started: datetime) -> None:
    """A round made by the real matcher, then everything its people did since."""
    newest_mail = db.session.scalar(select(func.max(OutboxMail.id))) or 0
    brew_round = start_round(now=started)
    for group in brew_round.groups:
        choice, met = rng.randrange(len(group.slots)), rng.choice(MET)
        for row in group.members:
            row.accepted = [choice]
            row.followed_up_at = group.slot_starts[choice] + timedelta(hours=20)
            row.met, row.answered_at = met, row.followed_up_at + timedelta(hours=3)
        group.agreed_slot, group.agreed_at = choice, started + timedelta(days=1)
        group.updated_at = group.agreed_at
    db.session.execute(delete(OutboxMail).where(OutboxMail.id > newest_mail))
    db.session.flush()
