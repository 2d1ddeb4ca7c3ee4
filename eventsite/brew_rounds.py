"""Brew and biscuits, the rounds: who is ready to be paired, starting a round (the matcher
is eventsite.brew_match), each pair's or trio's private meeting (three slots, a place,
one click to accept), the one follow-up question, the "missed rounds" pause, and the
counts stewards see (never who was paired with whom, nor what anyone said).

A meeting is agreed once everyone in it has accepted the same slot: the earliest slot
all of them accepted. It then shows in their personal feeds, and nowhere public.

Functions here flush and raise domain errors; the caller commits once (so a refused
round changes nothing).
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from eventsite.brew import is_resting, manage_url
from eventsite.brew_match import Candidate, Matching, Rules, match, pair_key
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.ical import PrivateMeeting, meeting_calendar
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import (
    BrewGroup,
    BrewGroupMember,
    BrewMember,
    BrewMode,
    BrewRound,
    BrewSector,
    BrewVenue,
    MetAnswer,
    Person,
)
from eventsite.people import normalise_email

SLOT_MINUTES = 60
SLOT_TIMES = (time(10), time(12, 30), time(15, 30))  # local wall-clock times, rotated per group
FIRST_DAY, LAST_DAY = 2, 13  # the slots fall on working days this many days after the round
MISSED_ROUNDS_TO_PAUSE = 3
MIN_ROUND_GAP = timedelta(minutes=10)
ROUND_LOCK = 0x62726577  # "brew": the advisory lock key that serialises starting rounds (PostgreSQL)
ANSWER_WINDOW = timedelta(days=7)  # after the follow-up, how long a meeting stays open for answers
FOLLOW_UP_AFTER = timedelta(hours=2)  # after the agreed slot ends (or the last suggested one)
RARELY_MATCHED = 0.5  # a sector is flagged when fewer than this share of its people were paired lately


# -- who is ready ---------------------------------------------------------------------------


def is_due(member: BrewMember, now: datetime) -> bool:
    """Nobody is paired more often than they asked."""
    if member.last_matched_at is None:
        return True
    return now - member.last_matched_at >= timedelta(days=member.frequency.min_days)


def ready_members(now: datetime) -> list[BrewMember]:
    """The members a round starting now would pair: not resting, and due."""
    query = select(BrewMember).options(selectinload(BrewMember.person)).order_by(BrewMember.id)
    return [m for m in db.session.scalars(query) if not is_resting(m) and is_due(m, now) and not m.person.is_deleted]


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
        raise InvalidInput("round", "A round was started moments ago, so no other was started.")
    members = ready_members(now)
    if len(members) < 2:
        ready = "Nobody is" if not members else "Only one person is"
        raise InvalidInput("round", f"{ready} ready to be paired, so no round was started. A round needs two.")
    rounds_so_far = db.session.scalar(select(func.count()).select_from(BrewRound)) or 0
    matching = match([_candidate(m, rounds_so_far) for m in members], _rules(members))
    if not matching.groups:
        raise InvalidInput(
            "round",
            "Nobody ready can be paired this round (the same sector, met lately, or "
            "no way to meet), so no round was started.",
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
    venues = _venues_by_place()
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


def _venues_by_place() -> dict[int, list[BrewVenue]]:
    venues: dict[int, list[BrewVenue]] = {}
    for venue in db.session.scalars(select(BrewVenue).order_by(BrewVenue.id)):
        venues.setdefault(venue.place_id, []).append(venue)
    return venues


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
            "Your brew and biscuits match",
            "brew_introduction",
            group=group,
            member=members[row.person_id],
            others=others,
            slots=local_slots(group),
            meeting_url=meeting_url(group, row),
            reply_to=", ".join(other.person.email for other in sharing),
            reply_names=" and ".join(other.person.name or "your match" for other in sharing),
            manage_url=manage_url(members[row.person_id]),
        )


# -- one meeting -------------------------------------------------------------------------------


def local_slots(group: BrewGroup) -> list[datetime]:
    return [slot.astimezone(group.zone) for slot in group.slot_starts]


def meeting_url(group: BrewGroup, row: BrewGroupMember) -> str:
    return external_url("brew.meeting", token=f"{group.id}.{row.key}")


def meeting_for_token(token: str, lock: bool = False) -> tuple[BrewGroup, BrewGroupMember] | None:
    """The meeting and the person a link was sent to, if the link is genuine (``lock``: the
    group's row is locked, so two people accepting at once both count)."""
    group_id, _, key = token.partition(".")
    if not (group_id.isdigit() and len(group_id) <= 9 and len(key) == 32):
        return None
    query = select(BrewGroup).where(BrewGroup.id == int(group_id))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    group = db.session.scalar(query)
    if group is None:
        return None
    row = next((row for row in group.members if hmac.compare_digest(row.key, key)), None)
    return (group, row) if row is not None else None


def accept_slot(group: BrewGroup, row: BrewGroupMember, index: int, accepted: bool = True) -> bool:
    """Say a slot works (or no longer works) for me; True when this agreed the meeting.
    ``group`` comes locked from ``meeting_for_token``."""
    if group.agreed_slot is not None:
        raise InvalidInput("slot", "This meeting is already agreed.")
    if not 0 <= index < len(group.slots):
        raise InvalidInput("slot", "Choose one of the suggested times.")
    if group.slot_starts[index] <= utcnow():
        raise InvalidInput("slot", "That time has passed.")
    chosen = set(row.accepted) | {index} if accepted else set(row.accepted) - {index}
    row.accepted = sorted(chosen)
    group.updated_at = utcnow()
    everyone = set.intersection(*(set(other.accepted) for other in group.members))
    if not everyone:
        return False
    group.agreed_slot, group.agreed_at = min(everyone), utcnow()
    db.session.flush()
    _tell_agreed(group)
    return True


def meeting_times(group: BrewGroup) -> tuple[datetime, datetime] | None:
    if group.agreed_slot is None:
        return None
    start = group.slot_starts[group.agreed_slot]
    return start, start + timedelta(minutes=SLOT_MINUTES)


def as_calendar_meeting(group: BrewGroup, person_id: int) -> PrivateMeeting:
    """The agreed meeting as this person's calendar shows it."""
    starts_at, ends_at = meeting_times(group)
    others = [row.person for row in group.members if row.person_id != person_id]
    names = " and ".join(person.display_name or "your match" for person in others)
    where = (
        "Online"
        if group.is_online
        else ", ".join(
            part for part in (group.venue_name, group.address, group.place.name if group.place else "") if part
        )
    )
    row = next(row for row in group.members if row.person_id == person_id)
    url = meeting_url(group, row)
    description = f"Brew and biscuits with {names}." + (
        f"\n\nJoin online: {group.online_url}" if group.is_online else ""
    )
    return PrivateMeeting(
        uid=f"brew-{group.id}",
        title=f"Brew with {names}",
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=group.timezone,
        location=where or "To agree between you",
        description=f"{description}\n\n{url}",
        url=url,
        sequence=group.sequence,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


def _tell_agreed(group: BrewGroup) -> None:
    for row in group.members:
        meeting = as_calendar_meeting(group, row.person_id)
        attachment = Attachment(
            f"brew-{group.id}.ics",
            "text/calendar; method=REQUEST",
            meeting_calendar(meeting, method="REQUEST").decode(),
        )
        queue_mail(
            row.person.email,
            f"It's agreed: {meeting.title}",
            "brew_agreed",
            attachment=attachment,
            meeting=meeting,
            starts=meeting.starts_at.astimezone(group.zone),
            group=group,
            meeting_url=meeting_url(group, row),
            feed_url=external_url("feeds.personal", token=feed_token(row.person)),
        )


def personal_meetings(person: Person, since: datetime, until: datetime) -> list[PrivateMeeting]:
    """This person's agreed meetings starting in the window, for their personal feed."""
    query = (
        select(BrewGroup)
        .join(BrewGroupMember)
        .where(BrewGroupMember.person_id == person.id, BrewGroup.agreed_slot.is_not(None))
        .options(selectinload(BrewGroup.members).selectinload(BrewGroupMember.person), selectinload(BrewGroup.place))
        .order_by(BrewGroup.id)
    )
    meetings = [as_calendar_meeting(group, person.id) for group in db.session.scalars(query)]
    return [meeting for meeting in meetings if since <= meeting.starts_at <= until]


def newest_meeting_change(person: Person):
    query = select(func.max(BrewGroup.updated_at)).join(BrewGroupMember).where(BrewGroupMember.person_id == person.id)
    return db.session.scalar(query)


# -- after the meeting ----------------------------------------------------------------------------


def follow_up_due(group: BrewGroup) -> datetime:
    """When to ask "Did you meet?": after the agreed slot, or after the last suggested one."""
    times = meeting_times(group)
    end = times[1] if times else group.slot_starts[-1] + timedelta(minutes=SLOT_MINUTES)
    return end + FOLLOW_UP_AFTER


def send_follow_ups(now: datetime | None = None) -> int:
    """One email to each person who has not said, once their meeting's time has passed."""
    now = now or utcnow()
    query = (
        select(BrewGroupMember)
        .join(BrewGroup)
        .where(BrewGroupMember.followed_up_at.is_(None), BrewGroupMember.met.is_(None), BrewGroup.closed_at.is_(None))
        .options(selectinload(BrewGroupMember.group), selectinload(BrewGroupMember.person))
    )
    sent = 0
    for row in db.session.scalars(query):
        if follow_up_due(row.group) > now or row.person.is_deleted:
            continue
        row.followed_up_at = now
        queue_mail(
            row.person.email,
            "Did you meet?",
            "brew_follow_up",
            meeting_url=meeting_url(row.group, row),
            answers=[(answer, meeting_url(row.group, row) + f"#{answer.value}") for answer in MetAnswer],
        )
        sent += 1
    return sent


def answer_follow_up(group: BrewGroup, row: BrewGroupMember, met: MetAnswer, now: datetime | None = None) -> None:
    """ "Did you meet?": answerable once the meeting's time has come (changeable after)."""
    now = now or utcnow()
    if not follow_up_open(group, now):
        raise InvalidInput("met", "You can say whether you met once the time has come.")
    row.met, row.answered_at = met, now


def close_finished_meetings(now: datetime | None = None) -> int:
    """A meeting closes ANSWER_WINDOW after its follow-up was due (run by ``flask
    send-follow-ups``). Closing counts, for each person, whether they said anything (accepted
    a slot, or answered "Did you meet?"): three silent meetings in a row pause them, with an
    email that says how to come back (Donut's "ghost" rule). Returns how many were paused."""
    now = now or utcnow()
    open_rows = db.session.scalars(
        select(BrewGroupMember)
        .join(BrewGroup)
        .where(BrewGroup.closed_at.is_(None))
        .options(selectinload(BrewGroupMember.group))
        .order_by(BrewGroup.id)
    ).all()
    rows = [row for row in open_rows if follow_up_due(row.group) + ANSWER_WINDOW <= now]
    paused = 0
    members = {
        m.person_id: m
        for m in db.session.scalars(select(BrewMember).where(BrewMember.person_id.in_({row.person_id for row in rows})))
    }
    for row in rows:
        row.group.closed_at = now
        member = members.get(row.person_id)
        if member is None:
            continue  # left the scheme
        member.missed_rounds = 0 if row.responded else member.missed_rounds + 1
        if member.missed_rounds >= MISSED_ROUNDS_TO_PAUSE and member.paused_at is None:
            member.paused_at = now
            paused += 1
            queue_mail(
                member.person.email,
                "We've paused your brews",
                "brew_paused",
                member=member,
                manage_url=manage_url(member),
            )
    return paused


# -- what stewards see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorCount:
    sector: BrewSector
    in_pool: int
    paired_lately: int  # of them, paired in the last BREW_COOLDOWN_ROUNDS rounds

    @property
    def rarely_matched(self) -> bool:
        return self.in_pool > 0 and self.paired_lately < RARELY_MATCHED * self.in_pool


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
    ready = sum(1 for m in members if not is_resting(m) and is_due(m, now))
    cooldown = current_app.config["BREW_COOLDOWN_ROUNDS"]
    lately = _people_paired_in_last(cooldown)
    by_sector = [
        SectorCount(
            sector,
            sum(1 for m in members if m.sector is sector),
            sum(1 for m in members if m.sector is sector and m.person_id in lately),
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
        return "Online"
    return member.place.name if member.place is not None else "Happy to travel"


def _last_rounds(count: int):
    return select(BrewRound.id).order_by(BrewRound.id.desc()).limit(count)


def _people_paired_in_last(rounds: int) -> set[int]:
    query = select(BrewGroupMember.person_id).join(BrewGroup).where(BrewGroup.round_id.in_(_last_rounds(rounds)))
    return set(db.session.scalars(query))


def _round_count(brew_round: BrewRound) -> RoundCount:
    said = (
        select(BrewGroupMember.group_id, BrewGroupMember.met)
        .join(BrewGroup)
        .where(BrewGroup.round_id == brew_round.id, BrewGroupMember.met.is_not(None))
    )
    answers: dict[int, set[MetAnswer]] = {}
    for group_id, met in db.session.execute(said):
        answers.setdefault(group_id, set()).add(met)
    met = sum(1 for said_in_group in answers.values() if MetAnswer.YES in said_in_group)
    return RoundCount(round=brew_round, met=met, answered=len(answers))


# -- for the pages (read only) ----------------------------------------------------------------------


def meetings_of(person: Person, limit: int = 10) -> list[BrewGroupMember]:
    """This person's places in their latest meetings, newest first (each with its group)."""
    query = (
        select(BrewGroupMember)
        .where(BrewGroupMember.person_id == person.id)
        .options(selectinload(BrewGroupMember.group))
        .order_by(BrewGroupMember.group_id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def follow_up_open(group: BrewGroup, now: datetime | None = None) -> bool:
    """Whether "Did you meet?" makes sense yet: the agreed time (or the first suggested one) has come."""
    times = meeting_times(group)
    return (now or utcnow()) >= (times[0] if times else group.slot_starts[0])


def others_in(group: BrewGroup, row: BrewGroupMember) -> list[tuple[BrewGroupMember, BrewMember | None]]:
    """The others in this meeting, each with their sign-up (None once they have left)."""
    others = [other for other in group.members if other.person_id != row.person_id]
    query = select(BrewMember).where(BrewMember.person_id.in_([other.person_id for other in others]))
    members = {member.person_id: member for member in db.session.scalars(query)}
    return [(other, members.get(other.person_id)) for other in others]
