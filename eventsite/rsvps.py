"""RSVPs: going, maybe, can't go; capacity, a first-come-first-served waitlist, guests.

Rules that hold whatever the concurrency:
- going + guests never exceeds capacity;
- if anyone is waiting, the event is full: a newcomer never overtakes the waitlist;
- promotion is strictly first come, first served, and happens in the same
  transaction that frees the place. A party that does not fit yet (3 people
  at the head of the list, 1 place free) keeps its place at the head and
  nobody behind it is promoted: the place waits until the party fits or
  shrinks. Parties are never split.
- Lowering capacity below those going bumps nobody; it only stops promotion.

Every path that changes RSVPs (answering, changing, a host's capacity edit)
starts by locking the event row (``locked_event``): ``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the request already began with ``BEGIN IMMEDIATE``. Mail
goes through the queue, so no I/O happens while the lock is held.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from eventsite.database import utcnow
from eventsite.errors import DomainError, InvalidInput
from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Person, Rsvp, RsvpStatus

ATTENDING = (RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.WAITLISTED)


class RsvpClosed(DomainError):
    """The event takes no answers (cancelled, not public, or RSVPs have closed)."""


@dataclass(frozen=True)
class Attendance:
    """How an event stands: what every page needs, from one query."""

    going: int  # people going, guests included
    maybe: int
    waiting: int  # RSVPs on the waitlist
    capacity: int | None

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.going, 0)

    @property
    def is_full(self) -> bool:
        """Full when no place is left, or when anyone is waiting (nobody overtakes them)."""
        return self.waiting > 0 or self.places_left == 0


@dataclass
class Answer:
    """What answering did: the person's RSVP, and anyone it promoted from the waitlist."""

    rsvp: Rsvp
    promoted: list[Rsvp]
    previous: RsvpStatus | None


def locked_event(event_id: int) -> Event | None:
    """Load the event and lock its row until the transaction ends (PostgreSQL)."""
    query = select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def attendance(event: Event) -> Attendance:
    return attendance_by_event([event])[event.id]


def attendance_by_event(events: list[Event]) -> dict[int, Attendance]:
    """How each event stands, for a whole page of events in one query."""
    counts: dict[int, dict] = {event.id: {} for event in events}
    if events:
        rows = db.session.execute(
            select(Rsvp.event_id, Rsvp.status, func.count(), func.sum(1 + Rsvp.guests))
            .where(Rsvp.event_id.in_(list(counts)))
            .group_by(Rsvp.event_id, Rsvp.status)
        )
        for event_id, status, answers, people in rows:
            counts[event_id][status] = (answers, int(people))
    return {event.id: _attendance(event, counts[event.id]) for event in events}


def _attendance(event: Event, by_status: dict) -> Attendance:
    return Attendance(
        going=by_status.get(RsvpStatus.GOING, (0, 0))[1],
        maybe=by_status.get(RsvpStatus.MAYBE, (0, 0))[0],
        waiting=by_status.get(RsvpStatus.WAITLISTED, (0, 0))[0],
        capacity=event.capacity,
    )


def going_total(event: Event) -> int:
    query = select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
        Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.GOING
    )
    return int(db.session.scalar(query))


def waitlist(event: Event) -> list[Rsvp]:
    query = (
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.waitlisted_at, Rsvp.id)
    )
    return list(db.session.scalars(query))


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the head of the waitlist; None when not waiting."""
    if rsvp.status is not RsvpStatus.WAITLISTED:
        return None
    ahead = select(func.count()).where(
        Rsvp.event_id == rsvp.event_id,
        Rsvp.status == RsvpStatus.WAITLISTED,
        (Rsvp.waitlisted_at < rsvp.waitlisted_at) | ((Rsvp.waitlisted_at == rsvp.waitlisted_at) & (Rsvp.id < rsvp.id)),
    )
    return db.session.scalar(ahead) + 1


def find_rsvp(event: Event, person: Person) -> Rsvp | None:
    return db.session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.person_id == person.id))


def rsvps_close_at(event: Event) -> datetime:
    return event.rsvp_closes_at or event.starts_at


def closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why the event takes no answers now, or None if it does."""
    if event.status is EventStatus.CANCELLED:
        return "This gathering is cancelled."
    if event.status is not EventStatus.PUBLISHED:
        return "This gathering is not open for answers yet."
    if (now or utcnow()) >= rsvps_close_at(event):
        return "Answers for this gathering have closed."
    return None


def _fits(event: Event, total: int, party: int) -> bool:
    return event.capacity is None or total + party <= event.capacity


def answer(event: Event, person: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False) -> Answer:
    """Record a person's answer (new or changed). ``event`` must come from ``locked_event``."""
    reason = closed_reason(event)
    if reason:
        raise RsvpClosed(reason)
    if status is RsvpStatus.WAITLISTED:
        raise InvalidInput("status", "Choose going, maybe or can't go.")
    if not 0 <= guests <= event.max_guests:
        raise InvalidInput("guests", _guests_message(event))
    if status is RsvpStatus.GOING and not _could_ever_fit(event, 1 + guests):
        room = event.capacity - 1
        raise InvalidInput("guests", f"There are {event.capacity} places in all: you can bring up to {room} guests.")
    rsvp = find_rsvp(event, person)
    previous = rsvp.status if rsvp else None
    rsvp = rsvp or _new_rsvp(event, person)
    rsvp.show_name = show_name
    rsvp.updated_at = utcnow()
    if status is RsvpStatus.GOING:
        _go(event, rsvp, guests)
    else:
        rsvp.status, rsvp.guests, rsvp.waitlisted_at = status, guests, None
    event.updated_at = rsvp.updated_at  # feeds show the counts: this changes them
    db.session.flush()
    promoted = fill_open_seats(event)
    return Answer(rsvp=rsvp, promoted=promoted, previous=previous)


def _guests_message(event: Event) -> str:
    if event.max_guests == 0:
        return "This gathering does not take guests."
    return f"You can bring up to {event.max_guests} guests."


def _new_rsvp(event: Event, person: Person) -> Rsvp:
    rsvp = Rsvp(event=event, person=person, status=RsvpStatus.NOT_GOING, guests=0)
    db.session.add(rsvp)
    return rsvp


def _go(event: Event, rsvp: Rsvp, guests: int) -> None:
    """Going if the party fits and nobody waits; else the end of the waitlist."""
    if rsvp.status is RsvpStatus.GOING:
        if guests > rsvp.guests:
            _check_room_for_more_guests(event, rsvp, guests)
        rsvp.guests = guests
        return
    if rsvp.status is RsvpStatus.WAITLISTED:
        rsvp.guests = guests  # keeps its place in the queue
        return
    rsvp.guests = guests
    db.session.flush()
    if not _anyone_waiting(event) and _fits(event, going_total(event), 1 + guests):
        rsvp.status = RsvpStatus.GOING
    else:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.WAITLISTED, _waitlist_stamp(event)


def _waitlist_stamp(event: Event) -> datetime:
    """Later than everyone already waiting, whatever this machine's clock says: joins are
    serialised by the event lock, so the database order is the true order."""
    last = db.session.scalar(select(func.max(Rsvp.waitlisted_at)).where(Rsvp.event_id == event.id))
    now = utcnow()
    return now if last is None or now > last else last + timedelta(microseconds=1)


def _could_ever_fit(event: Event, party: int) -> bool:
    return event.capacity is None or party <= event.capacity


def _anyone_waiting(event: Event) -> bool:
    waiting = select(Rsvp.id).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
    return db.session.scalar(select(waiting.exists()))


def _check_room_for_more_guests(event: Event, rsvp: Rsvp, guests: int) -> None:
    """Someone going brings more guests: only into places nobody is waiting for."""
    if _anyone_waiting(event):
        raise InvalidInput("guests", "People are waiting for places, so you can't bring more guests now.")
    others = going_total(event) - (1 + rsvp.guests)
    if not _fits(event, others, 1 + guests):
        room = max(event.capacity - others - 1, 0)
        raise InvalidInput("guests", f"There is room for {room} guest{'s' if room != 1 else ''} with you.")


def fill_open_seats(event: Event) -> list[Rsvp]:
    """Promote from the head of the waitlist while the next party fits."""
    total = going_total(event)
    promoted = []
    for rsvp in waitlist(event):
        if not _could_ever_fit(event, 1 + rsvp.guests):
            continue  # larger than the whole event (after a host lowered it): it blocks nobody
        if not _fits(event, total, 1 + rsvp.guests):
            break  # strictly first come, first served: nobody overtakes the head
        rsvp.status, rsvp.waitlisted_at, rsvp.updated_at = RsvpStatus.GOING, None, utcnow()
        total += 1 + rsvp.guests
        promoted.append(rsvp)
    if promoted:
        event.updated_at = utcnow()
    db.session.flush()
    return promoted


def threshold_just_reached(event: Event) -> bool:
    """True once: the first time enough people are going for the event to go ahead."""
    if event.min_going is None or event.threshold_reached_at is not None:
        return False
    if going_total(event) < event.min_going:
        return False
    event.threshold_reached_at = utcnow()
    return True


# -- the "change your answer" link -------------------------------------------------------------


def manage_token(rsvp: Rsvp) -> str:
    """``<event id>-<rsvp id>.<HMAC>``. The HMAC covers the RSVP's own random key, so a
    new key revokes old links; the event id comes first so a change can lock it first."""
    return f"{rsvp.event_id}-{rsvp.id}.{_signature(rsvp)}"


def token_event_id(token: str) -> int | None:
    event_id = token.partition("-")[0]
    return int(event_id) if event_id.isdigit() and len(event_id) <= 9 else None


def _signature(rsvp: Rsvp) -> str:
    message = f"rsvp:{rsvp.id}:{rsvp.manage_key}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def rsvp_for_token(token: str) -> Rsvp | None:
    ids, _, signature = token.partition(".")
    event_id, _, rsvp_id = ids.partition("-")
    if not (rsvp_id.isdigit() and len(rsvp_id) <= 9 and event_id == str(token_event_id(token))):
        return None
    rsvp = db.session.get(Rsvp, int(rsvp_id))
    if rsvp is None or rsvp.event_id != int(event_id) or not hmac.compare_digest(_signature(rsvp), signature):
        return None
    return rsvp


def sees_private_details(is_host: bool, rsvp: Rsvp | None) -> bool:
    """The online link (and, if the host chose, the exact address) is for hosts and people going."""
    return is_host or (rsvp is not None and rsvp.status is RsvpStatus.GOING)
