"""Brew and biscuits, one meeting: a pair's or trio's page and links, accepting slots (the
meeting is agreed once everyone has accepted the same slot: the earliest all of them
accepted), the calendar entry in their personal feeds (and nowhere public), the one
follow-up question, and closing the meeting a week after it (the missed-meetings pause).

Functions here flush and raise domain errors; the caller commits once.
"""

import hmac
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventsite.brew import manage_url
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.i18n import current_language, lazy_gettext, speaking
from eventsite.ical import PrivateMeeting, meeting_calendar
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import BrewGroup, BrewGroupMember, BrewMember, MetAnswer, Person

SLOT_MINUTES = 60
FOLLOW_UP_AFTER = timedelta(hours=2)  # after the agreed slot ends (or the last suggested one)
ANSWER_WINDOW = timedelta(days=7)  # after the follow-up, how long a meeting stays open for answers
MISSED_ROUNDS_TO_PAUSE = 3


# -- the meeting's page and links -------------------------------------------------------------------------------


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
        raise InvalidInput("slot", gettext("This meeting is already agreed."))
    if not 0 <= index < len(group.slots):
        raise InvalidInput("slot", gettext("Choose one of the suggested times."))
    if group.slot_starts[index] <= utcnow():
        raise InvalidInput("slot", gettext("That time has passed."))
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


def and_list(names: list[str]) -> str:
    """The people in a pair or trio, as one phrase: "Ada", "Ada and Bo", "you and Ada and Bo"."""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return gettext("%(first)s and %(second)s", first=names[0], second=names[1])
    return gettext("%(first)s and %(second)s and %(third)s", first=names[0], second=names[1], third=names[2])


def as_calendar_meeting(group: BrewGroup, person_id: int) -> PrivateMeeting:
    """The agreed meeting as this person's calendar shows it, in their language."""
    row = next(row for row in group.members if row.person_id == person_id)
    with speaking(row.person.language or current_language()):
        return _calendar_meeting(group, row)


def _calendar_meeting(group: BrewGroup, row: BrewGroupMember) -> PrivateMeeting:
    starts_at, ends_at = meeting_times(group)
    others = [other.person for other in group.members if other.person_id != row.person_id]
    names = and_list([person.display_name or gettext("your match") for person in others])
    where = (
        gettext("Online")
        if group.is_online
        else ", ".join(
            part for part in (group.venue_name, group.address, group.place.name if group.place else "") if part
        )
    )
    url = meeting_url(group, row)
    paragraphs = [gettext("Brew and biscuits with %(names)s.", names=names)]
    if group.is_online:
        paragraphs.append(gettext("Join online: %(url)s", url=group.online_url))
    return PrivateMeeting(
        uid=f"brew-{group.id}",
        title=gettext("Brew with %(names)s", names=names),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=group.timezone,
        location=where or gettext("To agree between you"),
        description="\n\n".join([*paragraphs, url]),
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
            lazy_gettext("It's agreed: %(title)s", title=meeting.title),
            "brew_agreed",
            attachment=attachment,
            language=row.person.language,
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
            lazy_gettext("Did you meet?"),
            "brew_follow_up",
            language=row.person.language,
            meeting_url=meeting_url(row.group, row),
            answers=[(answer, meeting_url(row.group, row) + f"#{answer.value}") for answer in MetAnswer],
        )
        sent += 1
    return sent


def answer_follow_up(group: BrewGroup, row: BrewGroupMember, met: MetAnswer, now: datetime | None = None) -> None:
    """ "Did you meet?": answerable once the meeting's time has come (changeable after)."""
    now = now or utcnow()
    if not follow_up_open(group, now):
        raise InvalidInput("met", gettext("You can say whether you met once the time has come."))
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
                lazy_gettext("We've paused your brews"),
                "brew_paused",
                language=member.person.language,
                member=member,
                manage_url=manage_url(member),
            )
    return paused


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
