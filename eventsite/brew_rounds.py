"""Brew and biscuits, the rounds: who is ready to be paired, starting a round (the matcher
is eventsite.brew_match), making each pair's or trio's private meeting (three slots and a
place) and introducing them, and the counts stewards see (never who was paired with
whom, nor what anyone said). One meeting's life is in eventsite.brew_meetings.

Functions here flush and raise domain errors; the caller commits once (so a refused
round changes nothing).
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from eventsite.brew import is_resting, manage_url
from eventsite.brew_match import Candidate, Matching, Rules, match, pair_key
from eventsite.brew_meetings import and_list, local_slots, meeting_url
from eventsite.brew_venues import venues_by_place
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.i18n import current_language, lazy_gettext, speaking
from eventsite.mail import queue_mail
from eventsite.models import (
    BrewGroup,
    BrewGroupMember,
    BrewMember,
    BrewMode,
    BrewRound,
    BrewSector,
    MetAnswer,
    Person,
)
from eventsite.people import normalise_email

SLOT_TIMES = (time(10), time(12, 30), time(15, 30))  # local wall-clock times, rotated per group
FIRST_DAY, LAST_DAY = 2, 13  # the slots fall on working days this many days after the round
MIN_ROUND_GAP = timedelta(minutes=10)
ROUND_LOCK = 0x62726577  # "brew": the advisory lock key that serialises starting rounds (PostgreSQL)
RARELY_MATCHED = 0.5  # a sector is flagged when fewer than this share of its people were paired lately


# -- who is ready ---------------------------------------------------------------------------


def is_due(member: BrewMember, now: datetime) -> bool:
    """Nobody is paired more often than they asked."""
    if member.last_matched_at is None:
        return True
    return now - member.last_matched_at >= timedelta(days=member.frequency.min_days)


def is_ready(member: BrewMember, now: datetime) -> bool:
    """A round starting now would pair them: not snoozed or paused, and due."""
    return not is_resting(member) and is_due(member, now)


def ready_members(now: datetime) -> list[BrewMember]:
    """The members a round starting now would pair: not resting, and due."""
    query = select(BrewMember).options(selectinload(BrewMember.person)).order_by(BrewMember.id)
    return [m for m in db.session.scalars(query) if is_ready(m, now) and not m.person.is_deleted]


def _rules(members: list[BrewMember]) -> Rules:
    """Pairs made within the cooldown, and exclusions either way, among these members."""
    rows = db.session.execute(
        select(BrewGroupMember.group_id, BrewGroupMember.person_id)
        .join(BrewGroup)
        .where(BrewGroup.round_id.in_(_last_rounds(current_app.config["BREW_COOLDOWN_ROUNDS"])))
    ).all()
    people_by_group: dict[int, list[int]] = {}
    for group_id, person_id in rows:
        people_by_group.setdefault(group_id, []).append(person_id)
    recent = {pair_key(a, b) for people in people_by_group.values() for a in people for b in people if a != b}
    by_email = {normalise_email(m.person.email): m.person_id for m in members}
    excluded = {
        pair_key(m.person_id, by_email[email]) for m in members for email in m.excluded_emails if email in by_email
    }
    return Rules(recent=frozenset(recent), excluded=frozenset(excluded))


def _candidate(member: BrewMember, rounds_so_far: int) -> Candidate:
    last = member.last_matched_round_id or 0
    return Candidate(
        id=member.person_id,
        sector=member.sector.value,
        place=None if member.mode is BrewMode.ONLINE else member.place_id,
        travels=member.travels and member.mode is not BrewMode.ONLINE,
        in_person=member.mode is not BrewMode.ONLINE,
        online=member.mode is not BrewMode.IN_PERSON,
        interests=frozenset(member.interests),
        waited=rounds_so_far - last,
        owed=member.owed,
    )


# -- a round --------------------------------------------------------------------------------


def start_round(by: Person | None = None, now: datetime | None = None) -> BrewRound:
    """Pair everyone ready, and introduce each pair or trio by email. Refused, changing
    nothing, when nobody can be paired, or when a round started moments ago (a second press
    of the button, or the button racing cron: the check runs under a lock)."""
    now = now or utcnow()
    _lock_rounds()
    last = db.session.scalar(select(func.max(BrewRound.started_at)))
    if last is not None and abs(now - last) < MIN_ROUND_GAP:
        raise InvalidInput("round", gettext("A round was started moments ago, so no other was started."))
    members = ready_members(now)
    if not members:
        raise InvalidInput(
            "round", gettext("Nobody is ready to be paired, so no round was started. A round needs two.")
        )
    if len(members) == 1:
        message = gettext("Only one person is ready to be paired, so no round was started. A round needs two.")
        raise InvalidInput("round", message)
    rounds_so_far = db.session.scalar(select(func.count()).select_from(BrewRound)) or 0
    matching = match([_candidate(m, rounds_so_far) for m in members], _rules(members))
    if not matching.groups:
        raise InvalidInput(
            "round",
            gettext(
                "Nobody ready can be paired this round (the same sector, met lately, or "
                "no way to meet), so no round was started."
            ),
        )
    brew_round = BrewRound(started_at=now, started_by=by, eligible=len(members))
    db.session.add(brew_round)
    db.session.flush()
    _save(brew_round, matching, {m.person_id: m for m in members}, now)
    return brew_round


def _lock_rounds() -> None:
    """One round at a time: on SQLite every write transaction already is (BEGIN IMMEDIATE);
    on PostgreSQL, a transaction-scoped advisory lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROUND_LOCK})


def _save(brew_round: BrewRound, matching: Matching, members: dict[int, BrewMember], now: datetime) -> None:
    brew_round.pairs = len(matching.groups) - len(matching.trios)
    brew_round.trios, brew_round.left_out = len(matching.trios), len(matching.left_out)
    venues = venues_by_place()
    for index, person_ids in enumerate(matching.groups):
        people = [members[person_id] for person_id in person_ids]
        group = BrewGroup(
            round=brew_round,
            timezone=current_app.config["TIMEZONE"],
            created_at=now,
            updated_at=now,
            slots=[slot.isoformat() for slot in suggested_slots(now, index)],
        )
        db.session.add(group)
        _suggest_place(group, people, venues, index)
        group.members = [BrewGroupMember(person_id=m.person_id, sector=m.sector) for m in people]
        for member in people:
            member.last_matched_round_id, member.last_matched_at = brew_round.id, now
            member.owed = len(people) == 3
    for person_id in matching.left_out:
        members[person_id].owed = True
    db.session.flush()
    for group in brew_round.groups:
        _introduce(group, members)


def suggested_slots(now: datetime, index: int) -> list[datetime]:
    """Three working-day slots spread over the coming fortnight, at times that vary by group."""
    zone = current_app.config["ZONE"]
    start = now.astimezone(zone).date()
    days = [start + timedelta(days=n) for n in range(FIRST_DAY, LAST_DAY + 1)]
    days = [day for day in days if day.weekday() < 5]
    picked = [days[0], days[len(days) // 2], days[-1]]
    times = [SLOT_TIMES[(index + n) % len(SLOT_TIMES)] for n in range(3)]
    return [datetime.combine(day, at, zone).astimezone(UTC) for day, at in zip(picked, times, strict=True)]


def _suggest_place(group: BrewGroup, people: list[BrewMember], venues: dict, index: int) -> None:
    """In person where they all can be (a locality one of them is in, the others there too or
    happy to travel), at a venue stewards suggest there; otherwise online, in a room of its own."""
    if all(m.mode is not BrewMode.ONLINE for m in people):
        places = [m.place for m in people if m.place is not None]
        shared = next((p for p in places if all(m.place_id == p.id or m.travels for m in people)), None)
        if shared is not None:
            group.place = shared
            choices = venues.get(shared.id, [])
            if choices:
                venue = choices[index % len(choices)]
                group.venue_name, group.address = venue.name, venue.address
            return
        if all(m.travels for m in people) or not all(m.mode is not BrewMode.IN_PERSON for m in people):
            return  # somewhere they agree on between them
    group.is_online = True
    group.online_url = current_app.config["BREW_ONLINE_URL"].format(key=secrets.token_hex(8))


def _introduce(group: BrewGroup, members: dict[int, BrewMember]) -> None:
    """One email each, introducing the others: only what each chose to share."""
    for row in group.members:
        others = [members[other.person_id] for other in group.members if other.person_id != row.person_id]
        person = members[row.person_id].person
        sharing = [other for other in others if other.share_email]
        queue_mail(
            person.email,
            lazy_gettext("Your brew and biscuits match"),
            "brew_introduction",
            language=person.language,
            group=group,
            member=members[row.person_id],
            others=others,
            slots=local_slots(group),
            meeting_url=meeting_url(group, row),
            reply_to=", ".join(other.person.email for other in sharing),
            reply_names=_reply_names(sharing, person.language),
            manage_url=manage_url(members[row.person_id]),
        )


def _reply_names(sharing: list[BrewMember], language: str | None) -> str:
    """Who a reply to the introduction goes to, in the recipient's language ("" for nobody)."""
    if not sharing:
        return ""
    with speaking(language or current_language()):
        return and_list([other.person.name or gettext("your match") for other in sharing])


# -- what stewards see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorCount:
    sector: BrewSector
    in_pool: int
    paired_lately: int  # of them, paired in the last BREW_COOLDOWN_ROUNDS rounds
    rounds_run: bool = True  # "rarely" means nothing before the first round

    @property
    def rarely_matched(self) -> bool:
        return self.rounds_run and self.in_pool > 0 and self.paired_lately < RARELY_MATCHED * self.in_pool


@dataclass(frozen=True)
class RoundCount:
    round: BrewRound
    met: int  # meetings where someone said "Yes"
    answered: int  # meetings where someone answered the follow-up

    @property
    def groups(self) -> int:
        return self.round.pairs + self.round.trios


@dataclass(frozen=True)
class PoolCounts:
    total: int
    resting: int
    ready: int
    by_sector: list[SectorCount]
    by_place: list[tuple[str, int]]  # a locality (or "Happy to travel", "Online"), and how many
    rounds: list[RoundCount]


def pool_counts(now: datetime | None = None, recent_rounds: int = 12) -> PoolCounts:
    """Counts only: never who is in the pool, who was paired with whom, or what anyone said."""
    now = now or utcnow()
    members = db.session.scalars(select(BrewMember).options(selectinload(BrewMember.place))).all()
    resting = sum(1 for m in members if is_resting(m))
    ready = sum(1 for m in members if is_ready(m, now))
    cooldown = current_app.config["BREW_COOLDOWN_ROUNDS"]
    lately = _people_paired_in_last(cooldown)
    by_sector = [
        SectorCount(
            sector,
            sum(1 for m in members if m.sector is sector),
            sum(1 for m in members if m.sector is sector and m.person_id in lately),
            rounds_run=bool(lately),
        )
        for sector in BrewSector
    ]
    places: dict[str, int] = {}
    for member in members:
        label = _place_label(member)
        places[label] = places.get(label, 0) + 1
    rounds = db.session.scalars(select(BrewRound).order_by(BrewRound.id.desc()).limit(recent_rounds)).all()
    return PoolCounts(
        total=len(members),
        resting=resting,
        ready=ready,
        by_sector=by_sector,
        by_place=sorted(places.items()),
        rounds=[_round_count(r) for r in rounds],
    )


def _place_label(member: BrewMember) -> str:
    if member.mode is BrewMode.ONLINE or (member.place is None and not member.travels):
        return gettext("Online")
    return member.place.name if member.place is not None else gettext("Happy to travel")


def _last_rounds(count: int):
    return select(BrewRound.id).order_by(BrewRound.id.desc()).limit(count)


def _people_paired_in_last(rounds: int) -> set[int]:
    query = select(BrewGroupMember.person_id).join(BrewGroup).where(BrewGroup.round_id.in_(_last_rounds(rounds)))
    return set(db.session.scalars(query))


def _round_count(brew_round: BrewRound) -> RoundCount:
    if brew_round.met is not None:  # its meetings are purged: the counts were kept
        return RoundCount(round=brew_round, met=brew_round.met, answered=brew_round.answered or 0)
    met, answered = meeting_outcomes(brew_round)
    return RoundCount(round=brew_round, met=met, answered=answered)


def meeting_outcomes(brew_round: BrewRound) -> tuple[int, int]:
    """How many of the round's meetings someone said happened, and how many had any answer."""
    said = (
        select(BrewGroupMember.group_id, BrewGroupMember.met)
        .join(BrewGroup)
        .where(BrewGroup.round_id == brew_round.id, BrewGroupMember.met.is_not(None))
    )
    answers: dict[int, set[MetAnswer]] = {}
    for group_id, met in db.session.execute(said):
        answers.setdefault(group_id, set()).add(met)
    return sum(1 for said_in_group in answers.values() if MetAnswer.YES in said_in_group), len(answers)
