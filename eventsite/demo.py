"""Demo data: a believable health-and-care network, or a large set for benchmarks.

Everything is generated from a fixed random seed relative to today, so two
runs on the same day give the same site. RSVPs respect capacity (nobody is
"going" beyond it; the rest wait), as the real rules would leave them.
"""

import random
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select

from eventsite.database import utcnow
from eventsite.demo_brew import seed_brew
from eventsite.demo_network import CINEMA_CLUB, CINEMA_NIGHTS, GATHERINGS, VENUES, Gathering
from eventsite.extensions import db
from eventsite.ideas import close_idea, set_support
from eventsite.lifecycle import change_status
from eventsite.models import (
    ACCESS_FEATURES,
    AgainRequest,
    Event,
    EventHost,
    EventKind,
    EventStatus,
    Idea,
    IdeaStatus,
    IdeaSupport,
    Person,
    Place,
    PollChoice,
    PollOption,
    PollVote,
    Rsvp,
    RsvpStatus,
    Series,
    SeriesHost,
    Tag,
    event_tags,
    idea_tags,
)
from eventsite.recurrence import RepeatRule, Repeats, session_start, weeks_of_month
from eventsite.series import sessions_of, start_series
from eventsite.text import render_markdown, slugify, summary_text
from eventsite.times import local_to_utc

PLACES = ["Armley", "Beeston", "Chapeltown", "City Centre", "Harehills", "Headingley", "Holbeck", "Seacroft"]
TAGS = ["frailty", "zero-suicide", "dementia", "social-prescribing", "carers", "housing",
        "mental-health", "brew-and-biscuits", "loneliness", "young-people", "co-production",
        "leadership", "digital-skills", "neighbourhoods", "green-spaces"]  # fmt: skip
FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hassan", "Isla", "Jamal", "Kate",
         "Liam", "Maya", "Nadia", "Owen", "Priya", "Rhys", "Sana", "Tom", "Uma", "Wes", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hussain", "Jones", "Khan",
        "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Roberts", "Singh", "Taylor", "Walsh", "Wright"]  # fmt: skip
# When each sort of gathering starts (earliest and latest start, local time), and which suit
# which kind: the one rule the demo's times follow (tests/test_demo.py checks it).
SLOTS = {
    "coffee": (time(10, 0), time(11, 30)),
    "morning": (time(9, 30), time(11, 0)),
    "lunchtime": (time(12, 0), time(13, 0)),
    "afternoon": (time(13, 30), time(15, 30)),
    "evening": (time(17, 30), time(20, 0)),
}
KIND_SLOTS = {
    EventKind.PUB_COFFEE: ("coffee", "lunchtime", "evening"),
    EventKind.WORKSHOP: ("morning", "afternoon"),
    EventKind.CINEMA_CLUB: ("evening",),
    EventKind.PARTY: ("afternoon", "evening"),
    EventKind.WALK: ("morning", "afternoon"),
    EventKind.ONLINE_SESSION: ("lunchtime", "evening"),
    EventKind.OTHER: ("morning", "afternoon", "evening"),
}


def start_suits_kind(kind: EventKind, start: time) -> bool:
    """A coffee morning starts between 10:00 and 11:30, a social evening 17:30 to 20:00, ..."""
    return any(SLOTS[slot][0] <= start <= SLOTS[slot][1] for slot in KIND_SLOTS[kind])


@cache
def _rendered(description: str) -> tuple[str, str]:
    """The HTML and summary of a description, made once, as eventsite.events does when one is saved."""
    return str(render_markdown(description)), summary_text(description)


def has_events() -> bool:
    return db.session.scalar(select(func.count()).select_from(Event)) > 0


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local(day_offset: int, start: time) -> datetime:
    zone = _zone()
    day = datetime.now(zone).date() + timedelta(days=day_offset)
    return local_to_utc(datetime.combine(day, start), zone)


def _start_in(rng: random.Random, slot: str) -> time:
    """A start on the hour or half hour within the slot."""
    earliest, latest = SLOTS[slot]
    first, last = earliest.hour * 60 + earliest.minute, latest.hour * 60 + latest.minute
    minutes = rng.randrange(first, last + 1, 30)
    return time(minutes // 60, minutes % 60)


def seed_network() -> str:
    """About 40 gatherings over three months, of every kind, with people and RSVPs."""
    rng = random.Random(2026)
    places = {name: Place(name=name, slug=slugify(name)) for name in PLACES}
    tags = {name: Tag(name=name) for name in TAGS}
    people = [
        Person(email=f"{first.lower()}.{last.lower()}@example.org", name=f"{first} {last}", email_confirmed_at=utcnow())
        for first, last in zip(FIRST * 3, rng.sample(LAST * 4, len(FIRST) * 3), strict=False)
    ]
    people = list({person.email: person for person in people}.values())
    steward = Person(email="steward@example.org", name="Sam Steward", is_steward=True, email_confirmed_at=utcnow())
    db.session.add_all([*places.values(), *tags.values(), *people, steward])
    cinema = _cinema_club(places, tags, people[0])
    events = [cinema]
    for number, gathering in enumerate(GATHERINGS):
        day = 1 + (number * 89) // len(GATHERINGS)
        events.append(_gathering(rng, day, gathering, places, tags, people))
    db.session.add_all(events)
    db.session.flush()
    for event in events[5::9]:
        if event.title not in REPEATED:
            change_status(event, "cancel")
            event.cancel_message = "Sorry: the venue is closed that day. We will set a new date soon."
            event.sequence = 1
    sessions = _series_demo(cinema, events)
    _rsvp_demo(rng, [*events, *sessions], people)
    ideas = _ideas_demo(rng, places, tags, people)
    events += _after_gathering_demo(rng, places, tags, people)
    _poll_demo(ideas, events)
    brew_pool = seed_brew(people, places)
    total = len(events) + len(sessions)
    return (f"Demo network: {total} gatherings (3 series), {len(ideas)} ideas, {len(people) + 1} people, "
            f"{len(places)} places, {brew_pool} in the brew pool (one round done).")  # fmt: skip


# Gatherings that run again, by title: how they repeat, and how many weeks ago the first was.
REPEATED = {
    "Carers' coffee morning": (RepeatRule(Repeats.WEEKLY), 3),
    "How to be a change agent": (RepeatRule(Repeats.FORTNIGHTLY, count=3), 0),
}


def _series_demo(cinema: Event, events: list[Event]) -> list[Event]:
    """The monthly cinema club (on the same weekday of each month, two sessions past), a weekly
    coffee morning and a workshop run three times: the sessions made, besides the first ones."""
    made = []
    week = weeks_of_month(cinema.local_start.date())[0]
    made += sessions_of(start_series(cinema, RepeatRule(Repeats.MONTHLY_ON_WEEKDAY, week_of_month=week)))[1:]
    coming = [session for session in made if session.starts_at > utcnow()]
    for session, description in zip(coming, CINEMA_NIGHTS, strict=False):  # each month its own films
        session.description = description
        session.description_html, session.summary = _rendered(description)
    for event in events:
        if event.title in REPEATED:
            rule, weeks_ago = REPEATED[event.title]
            event.starts_at, event.ends_at = (
                moment - timedelta(weeks=weeks_ago) for moment in (event.starts_at, event.ends_at)
            )
            made += sessions_of(start_series(event, rule))[1:]
    return made


def _cinema_club(places, tags, host: Person) -> Event:
    """The first session of the monthly cinema club, two months ago (eventsite.series makes the rest)."""
    name, place, address = VENUES["northern-lights"]
    return _event(
        title="TED-talk cinema club: films about care, and a chat after",
        kind=EventKind.CINEMA_CLUB,
        starts_at=_local(-45, time(19)),
        length=timedelta(hours=3),
        place=places[place],
        venue_name=name,
        address=address,
        capacity=12,
        host=host,
        tags=[tags["loneliness"], tags["mental-health"]],
        access_features=["step-free", "hearing-loop", "accessible-toilet"],
        cost="£3 (free if that's hard)",
        description=CINEMA_CLUB,
    )


def _gathering(rng: random.Random, day: int, gathering: Gathering, places, tags, people) -> Event:
    if gathering.slot not in KIND_SLOTS[gathering.kind]:
        raise ValueError(f"{gathering.title!r}: a {gathering.kind.label} does not start in the {gathering.slot}")
    online = not gathering.venue
    name, place, address = ("", "", "") if online else VENUES[gathering.venue]
    return _event(
        title=gathering.title,
        kind=gathering.kind,
        starts_at=_local(day, _start_in(rng, gathering.slot)),
        length=timedelta(hours=gathering.hours),
        place=None if online else places[place],
        venue_name=name,
        address=address,
        online_url=f"https://meet.example.org/{slugify(gathering.title)}" if online else "",
        capacity=rng.choice([None, None, 8, 12, 20, 30]),
        max_guests=rng.choice([0, 0, 1, 2]),
        min_going=rng.choice([None, None, None, 4, 6]),
        host=rng.choice(people),
        tags=[tags[name] for name in gathering.tags],
        access_features=rng.sample(sorted(ACCESS_FEATURES), rng.randint(0, 3)),
        cost="Free",
        description=gathering.description,
    )


def _event(*, host: Person, tags, length: timedelta, starts_at: datetime, place, description: str, **fields) -> Event:
    description_html, summary = _rendered(description)
    event = Event(
        status=EventStatus.PUBLISHED,
        starts_at=starts_at,
        ends_at=starts_at + length,
        timezone=current_app.config["TIMEZONE"],
        place=place,
        is_online=place is None,
        description=description,
        description_html=description_html,
        summary=summary,
        created_by=host,
        published_at=utcnow(),
        tags=tags,
        **fields,
    )
    event.hosts.append(EventHost(person=host))
    return event


def _rsvp_demo(rng: random.Random, events: list[Event], people: list[Person]) -> None:
    """Everyone answers a few events; capacity-limited events fill up and keep a waitlist
    (in answer order, as the real rules would leave them), and those enough people are going
    to have gone ahead."""
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
                    _note_threshold(event, going, answered_at)
            db.session.add(rsvp)


def _note_threshold(event: Event, going: int, answered_at: datetime) -> None:
    """Mark when enough were going, as eventsite.rsvps would have: else the next answer
    of any kind would email "It's on" to everyone going."""
    if event.min_going is not None and event.threshold_reached_at is None and going >= event.min_going:
        event.threshold_reached_at = answered_at


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
    series_count = _bulk_series(now, event_rows)
    event_ids = _insert_returning_ids(Event, event_rows)
    hosts = [
        {"event_id": eid, "person_id": row["created_by_id"]} for eid, row in zip(event_ids, event_rows, strict=True)
    ]
    _insert(EventHost, hosts)
    _insert(event_tags, [{"event_id": eid, "tag_id": tid} for eid in event_ids for tid in rng.sample(tag_ids, 2)])
    rsvp_rows = _bulk_rsvps(rng, dict(zip(event_ids, capacities, strict=True)), person_ids, rsvps)
    _insert(Rsvp, rsvp_rows)
    idea_count = _bulk_ideas(rng, now, place_ids, tag_ids, person_ids)
    return (f"Bulk data: {events} gatherings ({series_count} series of {BULK_SESSIONS} weekly sessions), "
            f"{people} people, {len(rsvp_rows)} RSVPs, {idea_count} ideas.")  # fmt: skip


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
    description = GATHERINGS[number % len(GATHERINGS)].description  # with thousands, they repeat
    description_html, summary = _rendered(description)
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
        "description": description,
        "description_html": description_html,
        "summary": summary,
        "access_features": [],
        "created_by_id": rng.choice(person_ids),
        "published_at": datetime(2026, 1, 1, tzinfo=UTC),
        "series_id": None,  # _bulk_series sets these on a few
        "occurs_on": None,
    }


BULK_SERIES, BULK_SESSIONS = 4, 10  # weekly series, and the sessions each (made by the bulk insert)
BULK_IDEAS, BULK_SUPPORTERS = 300, 6  # ideas on the board, and at most this many supporters each


def _bulk_series(now: datetime, event_rows: list[dict]) -> int:
    """Make the first BULK_SERIES x BULK_SESSIONS event rows the sessions of weekly series (one
    ``series`` row and host each; the sessions copy their first row, on the rule's dates), as
    eventsite.series would have made them; fewer series below 400 events (at most one event in
    ten a session). Returns how many series."""
    count = min(BULK_SERIES, len(event_rows) // (10 * BULK_SESSIONS))
    zone = ZoneInfo("Europe/London")
    rule = RepeatRule(Repeats.WEEKLY, count=BULK_SESSIONS)
    series_rows, dates = [], []
    for number in range(count):
        first = event_rows[number * BULK_SESSIONS]
        first_date = (now - timedelta(weeks=2) + timedelta(days=number)).astimezone(zone).date()
        days = rule.dates(first_date, first_date + timedelta(weeks=BULK_SESSIONS))
        dates.append(days)
        series_rows.append({"title": first["title"], "rule": rule.to_rrule(first_date), "first_date": first_date,
                            "local_time": time(18), "duration_minutes": 120, "timezone": zone.key,
                            "created_by_id": first["created_by_id"], "made_through": days[-1]})  # fmt: skip
    series_ids = _insert_returning_ids(Series, series_rows)
    _insert(
        SeriesHost,
        [
            {"series_id": sid, "person_id": row["created_by_id"]}
            for sid, row in zip(series_ids, series_rows, strict=True)
        ],
    )
    for number, (series_id, days) in enumerate(zip(series_ids, dates, strict=True)):
        first = event_rows[number * BULK_SESSIONS]
        for offset, day in enumerate(days):
            starts_at = session_start(day, time(18), zone)
            session = event_rows[number * BULK_SESSIONS + offset]
            timing = {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2)}
            session.update(first | timing, series_id=series_id, occurs_on=day, status=EventStatus.PUBLISHED)
            session["cancelled_at"] = None
    return count


def _bulk_ideas(rng: random.Random, now: datetime, place_ids, tag_ids, person_ids) -> int:
    """BULK_IDEAS open ideas, each with a tag or two and a few supporters (their counts kept
    on the idea, as eventsite.ideas keeps them), active in the last month (none faded)."""
    idea_rows, supports = [], []
    for number in range(BULK_IDEAS):
        title, kind, _where, _tags, description, _come, _host = IDEAS[number % len(IDEAS)]
        description_html, summary = _rendered(description)
        supporters = rng.sample(person_ids, min(len(person_ids), rng.randint(1, BULK_SUPPORTERS)))
        hosting = supporters[: rng.randint(0, 1)]
        active = now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23))
        idea_rows.append({"title": f"{title} ({number})", "kind": kind, "description": description,
                          "description_html": description_html, "summary": summary,
                          "place_id": rng.choice(place_ids), "status": IdeaStatus.OPEN,
                          "created_by_id": rng.choice(person_ids), "created_at": active, "last_activity_at": active,
                          "would_come_count": len(supporters), "could_host_count": len(hosting)})  # fmt: skip
        supports.append([{"person_id": person, "would_come": True, "could_host": person in hosting,
                          "show_name": person in hosting} for person in supporters])  # fmt: skip
    idea_ids = _insert_returning_ids(Idea, idea_rows)
    _insert(IdeaSupport, [row | {"idea_id": iid} for iid, rows in zip(idea_ids, supports, strict=True) for row in rows])
    _insert(idea_tags, [{"idea_id": iid, "tag_id": tid} for iid in idea_ids for tid in rng.sample(tag_ids, 2)])
    return len(idea_ids)


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


# Ideas on the board: (title, kind, place or "online" or None, tags, description, would come, could host).
IDEAS = [
    ("A walking group for people living with frailty", EventKind.WALK, "Armley", ["frailty", "green-spaces"],
     "Short, flat walks at an easy pace, with a café at the end. Carers welcome too.", 9, 2),
    ("Zero-suicide conversation café", EventKind.PUB_COFFEE, "City Centre", ["zero-suicide", "mental-health"],
     "An informal space to talk about what works in suicide prevention, across sectors.", 7, 1),
    ("Digital skills drop-in for older neighbours", EventKind.WORKSHOP, "Seacroft", ["digital-skills", "loneliness"],
     "Bring a phone or tablet: volunteers help with video calls, repeat prescriptions and bus times.", 6, 2),
    ("TED talk night on co-production", EventKind.CINEMA_CLUB, "online", ["co-production"],
     "Watch two short talks together, then talk about what they mean for our services.", 5, 1),
    ("Housing officers meet GPs", EventKind.PUB_COFFEE, "Harehills", ["housing", "neighbourhoods"],
     "Half an hour over a brew: who to call when a patient's home is making them ill.", 4, 1),
    ("Dementia-friendly film screening", EventKind.CINEMA_CLUB, "Headingley", ["dementia"],
     "Lights up a little, sound down a little, and nobody minds if you chat.", 4, 0),
    ("Young carers' pizza evening", EventKind.PARTY, "Chapeltown", ["carers", "young-people"],
     "A night off for young carers: pizza, games, no forms.", 3, 1),
    ("Social prescribing show and tell", EventKind.WORKSHOP, "Beeston", ["social-prescribing"],
     "Link workers share the groups and places they send people to.", 3, 0),
    ("Leadership without hierarchy", EventKind.WORKSHOP, "online", ["leadership", "co-production"],
     "What does leading look like when nobody is in charge? A practical session.", 2, 0),
    ("Allotment afternoon", EventKind.OTHER, "Holbeck", ["green-spaces", "loneliness"],
     "Dig, plant, share a flask. Gloves provided.", 1, 1),
    ("Christmas quiz for the whole network", EventKind.PARTY, None, ["brew-and-biscuits"],
     "Teams mixed across sectors. Closed: it became the December social.", 8, 1),
    ("Board games in the library", EventKind.OTHER, "Armley", ["loneliness"],
     "Nobody has said much about this one for a while.", 1, 0),
]  # fmt: skip
CLOSED_IDEA, FADED_IDEA = 10, 11  # indexes into IDEAS


def _ideas_demo(rng: random.Random, places: dict[str, Place], tags: dict[str, Tag], people: list[Person]) -> list[Idea]:
    """A dozen ideas on the board with support (some offers to host, some with names shown),
    one closed by its author and one faded (no activity for longer than IDEA_FADE_DAYS).
    Made open directly: the demo's authors are known, and no steward is emailed."""
    made = []
    for number, (title, kind, where, names, description, come, host) in enumerate(IDEAS):
        author = people[(number * 5) % len(people)]
        description_html, summary = _rendered(description)
        idea = Idea(title=title, kind=kind, description=description, description_html=description_html,
                    summary=summary, place=places.get(where), is_online=where == "online", created_by=author,
                    status=IdeaStatus.OPEN, tags=[tags[name] for name in names])  # fmt: skip
        db.session.add(idea)
        db.session.flush()
        supporters = rng.sample([person for person in people if person is not author], come + host)
        for person in supporters[:come]:
            set_support(idea, person, would_come=True)
        for offer, person in enumerate(supporters[come:]):
            set_support(idea, person, could_host=True, would_come=True, show_name=offer % 2 == 0)
        if number == CLOSED_IDEA:
            close_idea(idea, author)
        days_ago = 100 + number if number == FADED_IDEA else rng.randint(0, 40)
        idea.created_at = idea.last_activity_at = utcnow() - timedelta(days=days_ago, hours=rng.randint(0, 23))
        made.append(idea)
    db.session.flush()
    return made


# The idea with a live date poll, and the one that became a gathering (indexes into IDEAS; a title in GATHERINGS).
POLL_IDEA, BECAME_IDEA, BECAME_GATHERING = 0, CLOSED_IDEA, "Social evening for the whole network"
POLL_DATES = ((12, time(11)), (15, time(14)), (19, time(10, 30)))  # days ahead, local start


def _poll_demo(ideas: list[Idea], events: list[Event]) -> None:
    """A live date poll on one idea (three dates, each supporter's marks), and the closed idea
    linked to the gathering it became. Written directly, as eventsite.idea_poll leaves them;
    its own random numbers, so the rest of the demo stays as it was."""
    rng, idea = random.Random(12), ideas[POLL_IDEA]
    starts = [_local(days, start) for days, start in POLL_DATES]
    options = [
        PollOption(idea_id=idea.id, starts_at=at, ends_at=at + timedelta(hours=2), timezone=_zone().key,
                   created_by_id=idea.created_by_id)
        for at in starts
    ]  # fmt: skip
    db.session.add_all(options)
    db.session.flush()
    supporters = db.session.scalars(select(IdeaSupport.person_id).where(IdeaSupport.idea_id == idea.id))
    weights = (PollChoice.YES, PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO)
    db.session.add_all(
        PollVote(option_id=option.id, person_id=person_id, choice=rng.choice(weights))
        for person_id in supporters
        for option in options
    )
    became = [event for event in events if event.title == BECAME_GATHERING and event.is_public]
    if became:
        became[0].idea_id = ideas[BECAME_IDEA].id
    db.session.flush()


# Gatherings that happened (for "I went" counts and "run it again"): title, kind, place, days ago.
PAST_GATHERINGS = [
    ("Zine-making for wellbeing", EventKind.WORKSHOP, "Chapeltown", ["mental-health"], 9),
    ("Walk and talk by the canal", EventKind.WALK, "Holbeck", ["loneliness"], 16),
    ("Frailty: what matters to you?", EventKind.PUB_COFFEE, "City Centre", ["frailty", "brew-and-biscuits"], 30),
]


def _after_gathering_demo(rng: random.Random, places, tags, people: list[Person]) -> list[Event]:
    """Past gatherings: people who were going said whether they went, and some asked for
    it to run again (as eventsite.again records them; no email is sent)."""
    made = []
    for title, kind, where, names, days_ago in PAST_GATHERINGS:
        starts_at = _local(-days_ago, _start_in(rng, KIND_SLOTS[kind][0]))
        event = _event(title=title, kind=kind, starts_at=starts_at, length=timedelta(hours=2), place=places[where],
                       venue_name="The Reading Room", host=rng.choice(people),
                       tags=[tags[name] for name in names if name in tags],
                       description=f"{title}: it happened, and people asked for more.")  # fmt: skip
        event.published_at = starts_at - timedelta(days=14)
        db.session.add(event)
        db.session.flush()
        answering = rng.sample([p for p in people if p is not event.created_by], rng.randint(8, 16))
        for person in answering:
            went = rng.choice([True, True, True, False, None])
            db.session.add(Rsvp(event=event, person=person, status=RsvpStatus.GOING, went=went,
                                followed_up_at=event.ends_at + timedelta(hours=20)))  # fmt: skip
        asking = rng.sample([p for p in people if p not in answering], rng.randint(2, 7))
        db.session.add_all(AgainRequest(event_id=event.id, person_id=person.id) for person in asking)
        made.append(event)
    db.session.flush()
    return made
