"""Demo data: a believable health-and-care network, or a large set for benchmarks.

Everything is generated from a fixed random seed relative to today, so two
runs on the same day give the same site. RSVPs respect capacity (nobody is
"going" beyond it; the rest wait), as the real rules would leave them.
"""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.lifecycle import change_status
from eventsite.models import (
    ACCESS_FEATURES,
    Event,
    EventHost,
    EventKind,
    EventStatus,
    Person,
    Place,
    Rsvp,
    RsvpStatus,
    Tag,
    event_tags,
)
from eventsite.text import render_markdown, slugify, summary_text
from eventsite.times import local_to_utc

PLACES = ["Armley", "Beeston", "Chapeltown", "City Centre", "Harehills", "Headingley", "Holbeck", "Seacroft"]
TAGS = ["frailty", "zero-suicide", "dementia", "social-prescribing", "carers", "housing",
        "mental-health", "brew-and-biscuits", "loneliness", "young-people", "co-production"]  # fmt: skip
FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hassan", "Isla", "Jamal", "Kate",
         "Liam", "Maya", "Nadia", "Owen", "Priya", "Rhys", "Sana", "Tom", "Uma", "Wes", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hussain", "Jones", "Khan",
        "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Roberts", "Singh", "Taylor", "Walsh", "Wright"]  # fmt: skip
VENUES = {
    EventKind.PUB_COFFEE: ["The Kirkstall Arms, back room", "Café Nova", "The Brew House", "Bean There Café"],
    EventKind.WORKSHOP: ["Community Hub, Room 2", "St Luke's Church Hall", "The Old Library"],
    EventKind.CINEMA_CLUB: ["Hyde Park Picture House"],
    EventKind.PARTY: ["Community Hub, Main Hall", "The Allotment Pavilion"],
    EventKind.WALK: ["Meet at the park gates"],
    EventKind.OTHER: ["Neighbourhood Centre"],
}
TITLES = {
    EventKind.PUB_COFFEE: ["Brew and biscuits: meet someone from another sector", "Carers' coffee morning",
                           "Pub chat: housing and health", "Social prescribers' catch-up"],
    EventKind.WORKSHOP: ["Frailty: spotting it early", "Zero suicide: talking about it safely",
                         "Co-producing services with patients", "Dementia-friendly spaces"],
    EventKind.PARTY: ["Social evening for the whole network", "Volunteers' thank-you party"],
    EventKind.WALK: ["Walk and talk round the park", "Health walk for newcomers"],
    EventKind.ONLINE_SESSION: ["Online: loneliness in winter", "Online: what works in discharge planning",
                               "Online lunch-and-learn: benefits advice"],
    EventKind.OTHER: ["Open conversation: young people's mental health", "Ideas swap"],
}  # fmt: skip
DESCRIPTION = (
    "An informal get-together: no agenda, no slides, no action plan.\n\n"
    "Come as you are, whatever your role: **NHS staff, social workers, GPs, voluntary groups, "
    "housing officers and patients** all meet as equals.\n\n"
    "- Tea, coffee and biscuits on us\n- Bring a friend or colleague\n"
)
# Rendered once, as eventsite.events does when a description is saved.
DESCRIPTION_HTML = str(render_markdown(DESCRIPTION))
SUMMARY = summary_text(DESCRIPTION)


def has_events() -> bool:
    return db.session.scalar(select(func.count()).select_from(Event)) > 0


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    zone = _zone()
    day = datetime.now(zone).date() + timedelta(days=day_offset)
    return local_to_utc(datetime.combine(day, time(hour, minute)), zone)


def seed_network() -> str:
    """About 40 gatherings over three months, of every kind, with people and RSVPs."""
    rng = random.Random(2026)
    places = [Place(name=name, slug=slugify(name)) for name in PLACES]
    tags = {name: Tag(name=name) for name in TAGS}
    people = [
        Person(email=f"{first.lower()}.{last.lower()}@example.org", name=f"{first} {last}", email_confirmed_at=utcnow())
        for first, last in zip(FIRST * 3, rng.sample(LAST * 4, len(FIRST) * 3), strict=False)
    ]
    people = list({person.email: person for person in people}.values())
    steward = Person(email="steward@example.org", name="Sam Steward", is_steward=True, email_confirmed_at=utcnow())
    db.session.add_all([*places, *tags.values(), *people, steward])
    events = [_cinema_club(month, places, tags, people[0]) for month in range(3)]
    kinds = [kind for kind in EventKind if kind is not EventKind.CINEMA_CLUB]
    for number in range(37):
        kind = kinds[number % len(kinds)]
        events.append(_gathering(rng, number, kind, places, tags, people))
    db.session.add_all(events)
    db.session.flush()
    _rsvp_demo(rng, events, people)
    for event in events[5::9]:
        change_status(event, "cancel")
        event.cancel_message = "Sorry: the venue is closed that day. We will set a new date soon."
        event.sequence = 1
    return f"Demo network: {len(events)} gatherings, {len(people) + 1} people, {len(places)} places."


def _cinema_club(month: int, places, tags, host: Person) -> Event:
    starts_at = _local(10 + 28 * month, 19)
    return _event(
        title="Cinema club: films about care, and a chat after",
        kind=EventKind.CINEMA_CLUB,
        starts_at=starts_at,
        length=timedelta(hours=3),
        place=places[5],
        venue_name=VENUES[EventKind.CINEMA_CLUB][0],
        address="73 Brudenell Road, Leeds LS6 1JD",
        capacity=12,
        host=host,
        tags=[tags["loneliness"], tags["mental-health"]],
        access_features=["step-free", "hearing-loop", "accessible-toilet"],
        cost="£3 (free if that's hard)",
    )


def _gathering(rng: random.Random, number: int, kind: EventKind, places, tags, people) -> Event:
    online = kind is EventKind.ONLINE_SESSION
    place = None if online else rng.choice(places)
    return _event(
        title=rng.choice(TITLES[kind]),
        kind=kind,
        starts_at=_local(1 + (number * 89) // 37, rng.choice([10, 12, 14, 18, 19]), rng.choice([0, 30])),
        length=timedelta(hours=rng.choice([1, 2, 2, 3])),
        place=place,
        venue_name="" if online else rng.choice(VENUES[kind]),
        address=""
        if online
        else f"{rng.randint(1, 120)} {rng.choice(['Church', 'Station', 'Park', 'Mill'])} Street, Leeds",
        online_url="https://meet.example.org/" + slugify(TITLES[kind][0]) if online else "",
        capacity=rng.choice([None, None, 8, 12, 20, 30]),
        max_guests=rng.choice([0, 0, 1, 2]),
        min_going=rng.choice([None, None, None, 4, 6]),
        host=rng.choice(people),
        tags=[tags[name] for name in rng.sample(TAGS, rng.randint(1, 3))],
        access_features=rng.sample(sorted(ACCESS_FEATURES), rng.randint(0, 3)),
        cost="Free",
    )


def _event(*, host: Person, tags, length: timedelta, starts_at: datetime, place, **fields) -> Event:
    event = Event(
        status=EventStatus.PUBLISHED,
        starts_at=starts_at,
        ends_at=starts_at + length,
        timezone=current_app.config["TIMEZONE"],
        place=place,
        is_online=place is None,
        description=DESCRIPTION,
        description_html=DESCRIPTION_HTML,
        summary=SUMMARY,
        created_by=host,
        published_at=utcnow(),
        tags=tags,
        **fields,
    )
    event.hosts.append(EventHost(person=host))
    return event


def _rsvp_demo(rng: random.Random, events: list[Event], people: list[Person]) -> None:
    """Everyone answers a few events; capacity-limited events fill up and keep a waitlist
    (in answer order, as the real rules would leave them)."""
    for event in events:
        answering = rng.sample(people, rng.randint(3, min(len(people), 25)))
        going, waiting = 0, False
        for minute, person in enumerate(answering):
            answered_at = utcnow() - timedelta(minutes=len(answering) - minute)
            rsvp = Rsvp(event=event, person=person, guests=rng.randint(0, event.max_guests),
                        status=rng.choice([RsvpStatus.GOING, RsvpStatus.GOING, RsvpStatus.MAYBE]),
                        show_name=rng.random() < 0.4, created_at=answered_at, updated_at=answered_at)  # fmt: skip
            if rsvp.status is RsvpStatus.GOING:
                fits = event.capacity is None or going + 1 + rsvp.guests <= event.capacity
                if waiting or not fits:
                    rsvp.status, rsvp.waitlisted_at, waiting = RsvpStatus.WAITLISTED, answered_at, True
                else:
                    going += 1 + rsvp.guests
            db.session.add(rsvp)


def seed_bulk(events: int, people: int, rsvps: int, seed: int = 5000) -> str:
    """A large data set, inserted in bulk (seconds, not minutes)."""
    rng = random.Random(seed)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    place_ids, tag_ids = _bulk_places(), _bulk_tags()
    first = (db.session.scalar(select(func.max(Person.id))) or 0) + 1
    person_rows = [{"email": f"person{n}@example.org", "name": f"Person {n}"} for n in range(first, first + people)]
    person_ids = _insert_returning_ids(Person, person_rows)
    capacities = [rng.choice([None, 10, 20, 50, 100]) for _ in range(events)]
    event_rows = [_bulk_event(rng, now, place_ids, person_ids, capacity) for capacity in capacities]
    event_ids = _insert_returning_ids(Event, event_rows)
    hosts = [
        {"event_id": eid, "person_id": row["created_by_id"]} for eid, row in zip(event_ids, event_rows, strict=True)
    ]
    _insert(EventHost, hosts)
    _insert(event_tags, [{"event_id": eid, "tag_id": tid} for eid in event_ids for tid in rng.sample(tag_ids, 2)])
    rsvp_rows = _bulk_rsvps(rng, dict(zip(event_ids, capacities, strict=True)), person_ids, rsvps)
    _insert(Rsvp, rsvp_rows)
    return f"Bulk data: {events} gatherings, {people} people, {len(rsvp_rows)} RSVPs."


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _insert(table, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(table), rows)


def _bulk_places() -> list[int]:
    existing = db.session.scalars(select(Place.id)).all()
    if existing:
        return list(existing)
    db.session.add_all(Place(name=f"Locality {n}", slug=f"locality-{n}") for n in range(1, 21))
    db.session.flush()
    return list(db.session.scalars(select(Place.id)))


def _bulk_tags() -> list[int]:
    names = [f"theme-{n}" for n in range(1, 41)]
    existing = set(db.session.scalars(select(Tag.name).where(Tag.name.in_(names))))
    db.session.add_all(Tag(name=name) for name in names if name not in existing)
    db.session.flush()
    return list(db.session.scalars(select(Tag.id).where(Tag.name.in_(names))))


def _bulk_event(rng: random.Random, now: datetime, place_ids, person_ids, capacity) -> dict:
    kind = rng.choice(list(EventKind))
    number = rng.randint(1, 99_999)
    online = kind is EventKind.ONLINE_SESSION
    starts_at = now + timedelta(hours=rng.randint(-24 * 30, 24 * 365))
    cancelled = rng.random() < 0.05
    return {
        "title": f"{kind.label} number {number}",
        "kind": kind,
        "status": EventStatus.CANCELLED if cancelled else EventStatus.PUBLISHED,
        "cancelled_at": now if cancelled else None,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "timezone": "Europe/London",
        "venue_name": "" if online else f"Venue {number % 300}",
        "address": "" if online else f"{number % 200} High Street",
        "place_id": None if online else rng.choice(place_ids),
        "is_online": online,
        "online_url": f"https://meet.example.org/{number}" if online else "",
        "capacity": capacity,
        "description": DESCRIPTION,
        "description_html": DESCRIPTION_HTML,
        "summary": SUMMARY,
        "access_features": [],
        "created_by_id": rng.choice(person_ids),
        "published_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def _bulk_rsvps(rng: random.Random, capacities: dict, person_ids, count: int) -> list[dict]:
    event_ids = list(capacities)
    rows, seen, going = [], set(), dict.fromkeys(event_ids, 0)
    attempts = 0
    while len(rows) < count and attempts < count * 3:
        attempts += 1
        pair = (rng.choice(event_ids), rng.choice(person_ids))
        if pair in seen:
            continue
        seen.add(pair)
        status = RsvpStatus.GOING if rng.random() < 0.8 else RsvpStatus.MAYBE
        capacity = capacities[pair[0]]
        if status is RsvpStatus.GOING and capacity is not None and going[pair[0]] >= capacity:
            status = RsvpStatus.WAITLISTED
        going[pair[0]] += status is RsvpStatus.GOING
        rows.append({"event_id": pair[0], "person_id": pair[1], "status": status})
    return rows
